#include "services/imaged/layers/stream_unpack.h"

#include <sys/socket.h>

#include <cerrno>

#include "common/status/status.h"

namespace berth::imaged::layers {

absl::StatusOr<std::unique_ptr<StreamingUnpacker>> StreamingUnpacker::Start(
    const std::string& dest, const UnpackOptions& options) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    return ErrnoToStatus(errno, "socketpair");
  }
  std::unique_ptr<StreamingUnpacker> unpacker(new StreamingUnpacker());
  unpacker->feed_.reset(fds[0]);
  auto drain = std::make_shared<fs::ScopedFd>(fds[1]);
  StreamingUnpacker* self = unpacker.get();
  unpacker->thread_ = std::thread([self, drain, dest, options] {
    self->result_ = UnpackLayerFromFd(drain->get(), dest, options);
    // Closing our end makes the feeder's next send fail (EPIPE) when the
    // unpacker gave up early.
    drain->reset();
  });
  return unpacker;
}

StreamingUnpacker::~StreamingUnpacker() {
  if (thread_.joinable()) (void)Finish();
}

bool StreamingUnpacker::Feed(const char* data, size_t size) {
  while (!gone_ && size > 0) {
    ssize_t n = ::send(feed_.get(), data, size, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      gone_ = true;
      break;
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return !gone_;
}

absl::StatusOr<UnpackResult> StreamingUnpacker::Finish() {
  feed_.reset();  // EOF for the unpacker
  if (thread_.joinable()) thread_.join();
  return result_;
}

}  // namespace berth::imaged::layers
