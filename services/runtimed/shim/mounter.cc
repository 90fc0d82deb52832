#include "services/runtimed/shim/mounter.h"

#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "common/status/status.h"

namespace berth::runtimed::shim {

absl::Status LinuxMounter::Mount(const MountCall& call) {
  if (mount(call.source.c_str(), call.target.c_str(),
            call.fstype.empty() ? nullptr : call.fstype.c_str(), call.flags,
            call.data.empty() ? nullptr : call.data.c_str()) != 0) {
    return ErrnoToStatus(errno, call.error_context);
  }
  return absl::OkStatus();
}

absl::Status LinuxMounter::Mknod(const NodeCall& call) {
  if (mknodat(call.dir_fd, call.name.c_str(), call.mode, call.dev) != 0) {
    return ErrnoToStatus(errno, absl::StrCat("mknod '", call.in_root, "'"));
  }
  return absl::OkStatus();
}

absl::Status LinuxMounter::Symlink(const SymlinkCall& call) {
  if (symlinkat(call.link.c_str(), call.dir_fd, call.name.c_str()) != 0) {
    return ErrnoToStatus(errno, absl::StrCat("symlink '", call.in_root, "'"));
  }
  return absl::OkStatus();
}

}  // namespace berth::runtimed::shim
