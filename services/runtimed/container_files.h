#pragma once

// docker cp on a running (or paused) container: paths are resolved inside
// the container's mount namespace, through its init's /proc/<pid>/root, so
// volumes and bind mounts are seen as the process sees them, and every
// lookup stays inside that root (common/archive: openat2 RESOLVE_IN_ROOT).
// runtimed needs no setns and no helper process for it: a directory fd
// reached through /proc/<pid>/root walks that namespace's mount tree.

#include <functional>

#include "absl/status/status.h"
#include "berth/v1/types.pb.h"

namespace berth::runtimed {

// Runs `fn` with an O_PATH fd for the container's "/". FailedPrecondition
// "container <id> is not running" unless it runs (or is paused). The init
// is pinned with a pidfd while /proc/<pid>/root is opened, so a pid reused
// after the container died cannot lend another process's root.
absl::Status WithContainerRoot(const v1::Container& record,
                               const std::function<absl::Status(int root_fd)>& fn);

}  // namespace berth::runtimed
