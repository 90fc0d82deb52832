#pragma once

#include <cstdint>

#include "common/fs/fs.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// The seam for network namespaces bound to files (what `ip netns add` does,
// without the global /run/netns). LinuxNetnsOps is the only code that calls
// unshare/mount/umount for netd; a recording fake serves the unit tests.
namespace berth::netd::netns {

class NetnsOps {
 public:
  virtual ~NetnsOps() = default;

  // Creates `dir` if needed and makes it a private bind mount of itself, so
  // the namespace bind mounts made inside neither propagate to other mount
  // namespaces (a container's rootfs would otherwise pin them) nor receive
  // mounts from elsewhere. Idempotent: does nothing when `dir` already is a
  // mount point.
  virtual absl::Status PrepareDir(const std::string& dir) = 0;

  // Undoes PrepareDir: lazily unmounts `dir` and removes it when empty.
  // OK when it is not mounted or does not exist.
  virtual absl::Status ReleaseDir(const std::string& dir) = 0;

  // Creates a new network namespace and binds it at `path` (a new empty
  // file). AlreadyExists if `path` exists.
  virtual absl::Status Create(const std::string& path) = 0;

  // Binds the namespace netd itself runs in (the host's) at `path` (a new
  // empty file), as the sandbox key of `--network host` containers.
  // AlreadyExists if `path` exists.
  virtual absl::Status BindCurrent(const std::string& path) = 0;

  // Lazily unmounts and unlinks `path`. OK when it does not exist; the
  // namespace itself dies when its last user (a process, an open fd) is gone.
  virtual absl::Status Remove(const std::string& path) = 0;

  // Names of the entries in `dir` (namespace files; ".tmp" leftovers too).
  // An absent dir gives an empty list.
  virtual absl::StatusOr<std::vector<std::string>> List(const std::string& dir) = 0;

  // A UDP socket bound to ip:port inside the namespace at `netns_path` (its
  // lo must be up for 127.x addresses). The socket stays in that namespace
  // whichever thread uses it, so netd serves it from its own threads.
  virtual absl::StatusOr<fs::ScopedFd> OpenUdpSocket(const std::string& netns_path,
                                                     const std::string& ip, uint16_t port) = 0;
};

}  // namespace berth::netd::netns
