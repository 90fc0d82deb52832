// Applies a RootfsPlan in the container init, before pivot_root. The root
// mount goes onto the host path runtimed made for it; every step below the
// root is resolved inside it, fd-relative, so an image's symlinks can never
// send a mkdir, mknod or mount out of the container: each path component is
// opened with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
// RESOLVE_NO_MAGICLINKS), missing directories are made with mkdirat, and
// mounts go onto /proc/self/fd/N of the opened target. A symlink anywhere on
// a target's path (an image whose `proc` points at the host's /root) fails
// the start with a clear error instead of being followed.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/fs/fs.h"
#include "services/runtimed/shim/mounter.h"
#include "services/runtimed/shim/rootfs_plan.h"

namespace berth::runtimed::shim {

// Opens the absolute in-root `path` below `root_fd` (O_PATH), following no
// symlink; with `create_dirs`, makes each missing directory with `mode`.
// FailedPrecondition "'<path>' in the container's filesystem is a symlink" /
// "is not a directory" when the image has one on the way.
absl::StatusOr<fs::ScopedFd> OpenInRoot(int root_fd, const std::string& path, bool create_dirs,
                                        int mode = 0755);

// Applies `steps` (from PlanRootfs for `rootfs_dir`) with the real syscalls.
absl::Status ApplyRootfsPlan(const std::vector<RootfsStep>& steps, const std::string& rootfs_dir);

// The same through `mounter`: the paths are resolved and made for real, the
// mounts, device nodes and links go through the seam (a fake records them).
absl::Status ApplyRootfsPlan(const std::vector<RootfsStep>& steps, const std::string& rootfs_dir,
                             Mounter& mounter);

// "/proc/self/fd/N": how mount(2) reaches what an O_PATH fd names.
std::string FdPath(int fd);

}  // namespace berth::runtimed::shim
