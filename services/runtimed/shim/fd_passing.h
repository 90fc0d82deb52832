// One message on a unix socket, with the file descriptor that came along
// with it (SCM_RIGHTS), if any: how the container init hands the shim its
// pty master, and how runc hands it the console.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/fs/fs.h"

namespace berth::runtimed::shim {

struct MessageWithFd {
  std::string data;  // empty when the peer closed
  fs::ScopedFd fd;   // invalid when no descriptor came
};

// Sends `data` (non-empty) with `fd` attached, in one message; the caller
// keeps its copy of `fd`. `what` names the message in an error.
absl::Status SendWithFd(int socket_fd, std::string_view data, int fd, const std::string& what);

// Blocks for one message (up to 4 KiB), retrying EINTR. The descriptor is
// received close-on-exec. `what` names the message in an error.
absl::StatusOr<MessageWithFd> ReceiveWithFd(int socket_fd, const std::string& what);

}  // namespace berth::runtimed::shim
