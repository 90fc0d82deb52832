// The container's filesystem setup as data: every mkdir, mount, device node
// and symlink the init performs before pivot_root, in order. Computing it is
// pure (unit-tested); container_init.cc only applies the steps.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/runtimed/spec/shim_config.h"

namespace berth::runtimed::shim {

struct RootfsStep {
  enum class Kind {
    kMkdir,            // target, mode
    kMount,            // source → target, fstype ("" for a bind), flags, data
    kRemountReadOnly,  // target (bind mounts ignore MS_RDONLY on the first call)
    kMknod,            // target, mode, major, minor (character device)
    kSymlink,          // target → source
  };
  Kind kind = Kind::kMkdir;
  std::string target;
  std::string source;
  std::string fstype;
  unsigned long flags = 0;
  std::string data;
  int mode = 0755;
  unsigned major = 0;
  unsigned minor = 0;

  bool operator==(const RootfsStep&) const = default;
};

// The steps for `config`: the rootfs mounts (target "" or "/" onto
// config.rootfs_dir, others below it), then /proc, /dev (tmpfs, the standard
// nodes, symlinks, its own devpts, shm) and a read-only /sys.
// InvalidArgument when no mount targets the root or a target escapes it.
// TODO(isolation defaults): resolve targets fd-relative inside the rootfs
// (openat2 RESOLVE_IN_ROOT) so that image symlinks cannot redirect them.
absl::StatusOr<std::vector<RootfsStep>> PlanRootfs(const spec::ShimConfig& config);

}  // namespace berth::runtimed::shim
