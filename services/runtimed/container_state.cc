#include "services/runtimed/container_state.h"

namespace berth::runtimed {

bool IsRunning(v1::ContainerStatus status) {
  return status == v1::CONTAINER_STATUS_RUNNING || status == v1::CONTAINER_STATUS_PAUSED ||
         status == v1::CONTAINER_STATUS_RESTARTING;
}

bool CanStart(v1::ContainerStatus status) {
  return status == v1::CONTAINER_STATUS_CREATED || status == v1::CONTAINER_STATUS_EXITED;
}

bool CanRemove(v1::ContainerStatus status, bool force) {
  if (status == v1::CONTAINER_STATUS_REMOVING) return false;
  return force || !IsRunning(status);
}

std::string StatusName(v1::ContainerStatus status) {
  switch (status) {
    case v1::CONTAINER_STATUS_CREATED: return "created";
    case v1::CONTAINER_STATUS_RUNNING: return "running";
    case v1::CONTAINER_STATUS_PAUSED: return "paused";
    case v1::CONTAINER_STATUS_RESTARTING: return "restarting";
    case v1::CONTAINER_STATUS_REMOVING: return "removing";
    case v1::CONTAINER_STATUS_EXITED: return "exited";
    case v1::CONTAINER_STATUS_DEAD: return "dead";
    default: return "unknown";
  }
}

}  // namespace berth::runtimed
