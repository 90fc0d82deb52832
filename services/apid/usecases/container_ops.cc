// ContainerService: pause, unpause, top, rename and prune.


#include "absl/time/clock.h"
#include "services/apid/usecases/container_service.h"
#include "services/apid/usecases/writable_layer.h"
#include "services/apid/usecases/prune_filters.h"
#include "spdlog/spdlog.h"

namespace berth::apid {
namespace {

std::string Short(const std::string& id) { return id.substr(0, 12); }

bool HasEndpoint(v1::ContainerStatus status) {
  return status == v1::CONTAINER_STATUS_RUNNING || status == v1::CONTAINER_STATUS_PAUSED ||
         status == v1::CONTAINER_STATUS_RESTARTING;
}

}  // namespace

absl::Status ContainerService::Pause(const std::string& container) {
  absl::StatusOr<v1::Container> found = runtimed_.InspectContainer(container);
  if (!found.ok()) return found.status();
  ContainerLocks::Turn turn(locks_, found->id());
  return runtimed_.PauseContainer(found->id());
}

absl::Status ContainerService::Unpause(const std::string& container) {
  absl::StatusOr<v1::Container> found = runtimed_.InspectContainer(container);
  if (!found.ok()) return found.status();
  ContainerLocks::Turn turn(locks_, found->id());
  return runtimed_.UnpauseContainer(found->id());
}

absl::StatusOr<v1::TopContainerResponse> ContainerService::Top(const std::string& container,
                                                               const std::string& ps_args) {
  v1::TopContainerRequest request;
  request.set_container(container);
  request.set_ps_args(ps_args);
  return runtimed_.TopContainer(request);
}

absl::Status ContainerService::Rename(const std::string& container, const std::string& new_name) {
  absl::StatusOr<v1::Container> found = runtimed_.InspectContainer(container);
  if (!found.ok()) return found.status();
  const std::string id = found->id();
  // In the turn: a start in progress attaches with the name it read, so the
  // endpoint is renamed only once no start can overwrite it.
  ContainerLocks::Turn turn(locks_, id);
  v1::RenameContainerRequest request;
  request.set_container(id);
  request.set_name(new_name);
  absl::StatusOr<v1::RenameContainerResponse> renamed = runtimed_.RenameContainer(request);
  if (!renamed.ok()) return renamed.status();
  if (!HasEndpoint(renamed->container().state().status())) return absl::OkStatus();
  absl::Status endpoint = netd_.RenameEndpoint(id, renamed->container().name());
  if (endpoint.ok() || absl::IsNotFound(endpoint)) return absl::OkStatus();
  // As dockerd: a sandbox that cannot take the name undoes the rename.
  v1::RenameContainerRequest undo;
  undo.set_container(id);
  undo.set_name(renamed->old_name());
  if (absl::Status s = runtimed_.RenameContainer(undo).status(); !s.ok()) {
    spdlog::warn("container={} undo rename: {}", Short(id), s.ToString());
  }
  return endpoint;
}

absl::StatusOr<v1::PruneContainersResponse> ContainerService::Prune(
    const std::map<std::string, std::vector<std::string>>& filters) {
  absl::StatusOr<ContainerPruneSelector> selector =
      ContainerPruneSelector::Parse(filters, absl::Now());
  if (!selector.ok()) return selector.status();
  absl::StatusOr<std::vector<v1::Container>> containers = runtimed_.ListContainers(true);
  if (!containers.ok()) return containers.status();
  v1::PruneContainersResponse response;
  int64_t reclaimed = 0;
  for (const v1::Container& listed : *containers) {
    if (!selector->Selects(listed)) continue;
    ContainerLocks::Turn turn(locks_, listed.id());
    // Again in the turn: it may have been started or removed meanwhile.
    absl::StatusOr<v1::Container> c = runtimed_.InspectContainer(listed.id());
    if (!c.ok() || !selector->Selects(*c)) continue;
    int64_t size = WritableLayerBytes(*c);
    absl::Status removed = RemoveHeld(c->id(), /*force=*/false);
    if (!removed.ok()) {
      spdlog::warn("prune: container={} not removed: {}", Short(c->id()), removed.ToString());
      continue;
    }
    reclaimed += size;
    response.add_deleted(c->id());
  }
  response.set_space_reclaimed(reclaimed);
  spdlog::info("prune: removed {} containers, {} bytes", response.deleted_size(), reclaimed);
  return response;
}

}  // namespace berth::apid
