#include "services/runtimed/shim_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/status/status.h"

namespace berth::runtimed {

absl::StatusOr<std::unique_ptr<ShimConnection>> ShimConnection::Connect(
    const std::string& socket_path) {
  sockaddr_un addr{};
  if (socket_path.size() >= sizeof(addr.sun_path)) {
    return absl::InvalidArgumentError(absl::StrCat("socket path too long: ", socket_path));
  }
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return ErrnoToStatus(errno, "socket");
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socket_path.c_str(), sizeof(addr.sun_path) - 1);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    int err = errno;
    close(fd);
    return absl::UnavailableError(
        absl::StrCat("connect to shim '", socket_path, "': ", std::strerror(err)));
  }
  return std::unique_ptr<ShimConnection>(new ShimConnection(fd));
}

ShimConnection::~ShimConnection() { close(fd_); }

absl::Status ShimConnection::Send(const std::string& bytes) {
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return absl::UnavailableError(absl::StrCat("write to shim: ", std::strerror(errno)));
    off += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

absl::Status ShimConnection::SendRequest(const std::string& command,
                                         const std::vector<std::string>& args) {
  return Send(shim::FormatRequest(command, args));
}

absl::StatusOr<bool> ShimConnection::Fill(int timeout_ms) {
  pollfd p{fd_, POLLIN, 0};
  int ready;
  do {
    ready = poll(&p, 1, timeout_ms);
  } while (ready < 0 && errno == EINTR);
  if (ready == 0) return absl::DeadlineExceededError("shim did not answer in time");
  char buf[32 * 1024];
  ssize_t n;
  do {
    n = recv(fd_, buf, sizeof(buf), 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return absl::UnavailableError(absl::StrCat("read from shim: ", std::strerror(errno)));
  if (n == 0) return false;
  buffer_.append(buf, static_cast<size_t>(n));
  return true;
}

absl::StatusOr<std::string> ShimConnection::ReadReply(int timeout_ms) {
  while (buffer_.find('\n') == std::string::npos) {
    BERTH_ASSIGN_OR_RETURN(bool more, Fill(timeout_ms));
    if (!more) return absl::UnavailableError("shim closed the connection");
  }
  size_t nl = buffer_.find('\n');
  std::string line = buffer_.substr(0, nl);
  buffer_.erase(0, nl + 1);
  // Bytes after the reply line (attach output) belong to the frame stream.
  decoder_.Feed(buffer_.data(), buffer_.size());
  buffer_.clear();
  return shim::ParseReply(line);
}

absl::StatusOr<std::optional<shim::Frame>> ShimConnection::ReadFrame() {
  while (true) {
    BERTH_ASSIGN_OR_RETURN(std::optional<shim::Frame> frame, decoder_.Next());
    if (frame.has_value()) return frame;
    BERTH_ASSIGN_OR_RETURN(bool more, Fill(-1));
    if (!more) return std::nullopt;
    decoder_.Feed(buffer_.data(), buffer_.size());
    buffer_.clear();
  }
}

void ShimConnection::Shutdown() { shutdown(fd_, SHUT_RDWR); }

absl::StatusOr<std::string> CallShim(const std::string& socket_path, const std::string& command,
                                     const std::vector<std::string>& args, int timeout_ms) {
  BERTH_ASSIGN_OR_RETURN(auto conn, ShimConnection::Connect(socket_path));
  BERTH_RETURN_IF_ERROR(conn->SendRequest(command, args));
  return conn->ReadReply(timeout_ms);
}

}  // namespace berth::runtimed
