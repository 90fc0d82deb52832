// The privileged calls under the rootfs applier (rootfs_apply.h), behind a
// seam so the order and targets of a container's mounts can be checked
// without root. Only what needs privilege (or changes the host's mount
// table) goes through here; the fd-relative path resolution (openat2,
// mkdirat, fstat) stays in the applier and runs for real in tests too, so a
// test on a temp dir exercises the exact symlink refusal the init relies on.
#pragma once

#include <sys/types.h>

#include <string>

#include "absl/status/status.h"

namespace berth::runtimed::shim {

struct MountCall {
  std::string source;
  // What mount(2) gets: the host's rootfs dir for the root itself, else
  // "/proc/self/fd/N" of the target opened inside the root.
  std::string target;
  // The same target as the container will see it: "/" for the root, "/proc".
  std::string in_root;
  std::string fstype;  // "" for a bind or a remount
  unsigned long flags = 0;
  std::string data;
  // Prefix of the error when mount(2) fails: "mount proc on '/proc'".
  std::string error_context;
};

// Makes a node or link `name` in the directory open as `dir_fd` (a real
// directory fd, not O_PATH); `in_root` names it in errors and in fakes.
struct NodeCall {
  int dir_fd = -1;
  std::string name;
  std::string in_root;
  mode_t mode = 0;  // S_IFCHR or S_IFBLK | permissions
  dev_t dev = 0;
};

struct SymlinkCall {
  int dir_fd = -1;
  std::string name;
  std::string in_root;
  std::string link;  // what the link points to
};

class Mounter {
 public:
  virtual ~Mounter() = default;
  virtual absl::Status Mount(const MountCall& call) = 0;
  virtual absl::Status Mknod(const NodeCall& call) = 0;
  virtual absl::Status Symlink(const SymlinkCall& call) = 0;
};

// mount(2), mknodat(2), symlinkat(2); errors are "<context>: <errno text>".
class LinuxMounter : public Mounter {
 public:
  absl::Status Mount(const MountCall& call) override;
  absl::Status Mknod(const NodeCall& call) override;
  absl::Status Symlink(const SymlinkCall& call) override;
};

}  // namespace berth::runtimed::shim
