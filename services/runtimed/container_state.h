// The container lifecycle as pure predicates over berth.v1.ContainerStatus:
//   created ──start──▶ running ──exit──▶ exited ──start──▶ running …
//   any non-running state ──remove──▶ (gone); running needs force.
#pragma once

#include <string>

#include "berth/v1/types.pb.h"

namespace berth::runtimed {


bool IsRunning(v1::ContainerStatus status);
// Start is legal from created and exited (a restart keeps rootfs and log).
bool CanStart(v1::ContainerStatus status);
// Remove is legal when not running, or with force.
bool CanRemove(v1::ContainerStatus status, bool force);
// Docker's lower-case state name ("created", "running", "exited", ...).
std::string StatusName(v1::ContainerStatus status);

}  // namespace berth::runtimed
