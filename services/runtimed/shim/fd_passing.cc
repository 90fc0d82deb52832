#include "services/runtimed/shim/fd_passing.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "common/status/status.h"

namespace berth::runtimed::shim {

namespace {

// A message header over `iov` with room for one descriptor in `control`.
msghdr MessageHeader(iovec* iov, char* control, size_t control_size) {
  msghdr msg{};
  msg.msg_iov = iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = control_size;
  return msg;
}

}  // namespace

absl::Status SendWithFd(int socket_fd, std::string_view data, int fd, const std::string& what) {
  iovec iov{const_cast<char*>(data.data()), data.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg = MessageHeader(&iov, control, sizeof(control));
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(c), &fd, sizeof(int));
  ssize_t n;
  do {
    n = sendmsg(socket_fd, &msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n != static_cast<ssize_t>(data.size())) return ErrnoToStatus(n < 0 ? errno : EIO, what);
  return absl::OkStatus();
}

absl::StatusOr<MessageWithFd> ReceiveWithFd(int socket_fd, const std::string& what) {
  char buf[4096];
  iovec iov{buf, sizeof(buf)};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg = MessageHeader(&iov, control, sizeof(control));
  ssize_t n;
  do {
    n = recvmsg(socket_fd, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return ErrnoToStatus(errno, what);
  MessageWithFd received;
  received.data.assign(buf, static_cast<size_t>(n));
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      int fd = -1;
      std::memcpy(&fd, CMSG_DATA(c), sizeof(int));
      received.fd = fs::ScopedFd(fd);
    }
  }
  return received;
}

}  // namespace berth::runtimed::shim
