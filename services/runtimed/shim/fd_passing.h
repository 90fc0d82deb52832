// One message on a unix socket, with the file descriptor that came along
// with it (SCM_RIGHTS), if any: how the container init hands the shim its
// pty master, and how runc hands it the console.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "common/fs/fs.h"

namespace berth::runtimed::shim {

struct MessageWithFd {
  std::string data;  // empty when the peer closed
  fs::ScopedFd fd;   // invalid when no descriptor came
};

// Blocks for one message (up to 4 KiB), retrying EINTR. The descriptor is
// received close-on-exec. `what` names the message in an error.
absl::StatusOr<MessageWithFd> ReceiveWithFd(int socket_fd, const std::string& what);

}  // namespace berth::runtimed::shim
