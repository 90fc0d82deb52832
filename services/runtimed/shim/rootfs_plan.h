// The container's filesystem setup as data: every mkdir, mount, device node
// and symlink the init performs before pivot_root, in order. Computing it is
// pure (unit-tested); the init (container_setup.cc) only applies the steps.
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
    kMknod,            // target, mode, major, minor; a character device unless `block`
    kSymlink,          // target → source
    kMkfile,           // target: an empty file to bind a file onto (made if missing)
    kCopyUp,           // source (a volume's host dir) filled from target if it is empty
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
  bool block = false;

  bool operator==(const RootfsStep&) const = default;
};

// A device node of the host, for a privileged container's /dev.
struct DeviceNode {
  std::string path;  // below /dev: "sda", "net/tun"
  bool block = false;
  unsigned major = 0;
  unsigned minor = 0;
  int mode = 0600;
  bool operator==(const DeviceNode&) const = default;
};

// The character and block devices under the host's `dev_dir` (two levels
// deep), except pts, shm and mqueue, whose own instances the container gets.
std::vector<DeviceNode> ScanHostDevices(const std::string& dev_dir = "/dev");

// The steps for `config`: the rootfs mounts (target "" or "/" onto
// config.rootfs_dir, others below it), then /proc, /dev (tmpfs, the standard
// nodes, then `host_devices` not already there, symlinks, its own devpts,
// shm), a read-only /sys, then the container mounts (volumes, binds, tmpfs:
// an empty volume is first filled from the image, a read-only bind is
// remounted read-only, a propagation is set after the bind). The applier resolves every target below the
// root inside it (rootfs_apply.h). InvalidArgument when no mount targets the
// root or a target escapes it.
absl::StatusOr<std::vector<RootfsStep>> PlanRootfs(const spec::ShimConfig& config,
                                                   const std::vector<DeviceNode>& host_devices = {});

}  // namespace berth::runtimed::shim
