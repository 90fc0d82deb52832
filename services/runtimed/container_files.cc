#include "services/runtimed/container_files.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "common/fs/fs.h"
#include "common/status/status.h"

namespace berth::runtimed {
namespace {

// The mount namespace `path` (a /proc/<pid>/ns/mnt) names, as (dev, ino).
bool SameNamespace(const std::string& a, const std::string& b) {
  struct stat sa, sb;
  return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino;
}

}  // namespace

absl::Status WithContainerRoot(const v1::Container& record,
                               const std::function<absl::Status(int)>& fn) {
  v1::ContainerStatus status = record.state().status();
  int pid = record.state().pid();
  if ((status != v1::CONTAINER_STATUS_RUNNING && status != v1::CONTAINER_STATUS_PAUSED) ||
      pid <= 0) {
    return absl::FailedPreconditionError(absl::StrCat("container ", record.id(), " is not running"));
  }
  fs::ScopedFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!pidfd.valid()) {
    return absl::FailedPreconditionError(absl::StrCat("container ", record.id(), " is not running"));
  }
  std::string proc = absl::StrCat("/proc/", pid);
  // A pid that is not in a mount namespace of its own is not a container init.
  if (SameNamespace(proc + "/ns/mnt", "/proc/self/ns/mnt")) {
    return absl::FailedPreconditionError(
        absl::StrCat("container ", record.id(), ": pid ", pid, " is not the container's"));
  }
  fs::ScopedFd root(::open((proc + "/root").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) return ErrnoToStatus(errno, absl::StrCat("open the root of container ", record.id()));
  // Still the same process after the open: the fd is its root.
  if (::syscall(SYS_pidfd_send_signal, pidfd.get(), 0, nullptr, 0) != 0) {
    return absl::FailedPreconditionError(absl::StrCat("container ", record.id(), " is not running"));
  }
  return fn(root.get());
}

}  // namespace berth::runtimed
