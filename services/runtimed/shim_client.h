// runtimed's side of the shim protocol (shim/protocol.h).
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/runtimed/shim/protocol.h"
#include "services/runtimed/shim_runtime.h"

namespace berth::runtimed {

// One connection to a shim. Reads happen on one thread; Shutdown may be called
// from any thread to wake a blocked reader. After an ATTACH reply it is the
// real AttachStream.
class ShimConnection final : public AttachStream {
 public:
  // Unavailable when no shim listens on `socket_path` (it has exited).
  static absl::StatusOr<std::unique_ptr<ShimConnection>> Connect(const std::string& socket_path);
  ~ShimConnection() override;

  absl::Status Send(const std::string& bytes) override;
  absl::Status SendRequest(const std::string& command, const std::vector<std::string>& args = {});
  // Reads one reply line and parses it (shim::ParseReply). timeout_ms < 0
  // blocks. Unavailable when the shim closed the connection first,
  // DeadlineExceeded on timeout.
  absl::StatusOr<std::string> ReadReply(int timeout_ms = -1);
  // The next output frame; nullopt once the shim closed the stream.
  absl::StatusOr<std::optional<shim::Frame>> ReadFrame() override;
  // shutdown(2) both directions: a blocked reader returns, the shim sees EOF.
  void Shutdown() override;

 private:
  explicit ShimConnection(int fd) : fd_(fd) {}
  // Reads more bytes into buffer_; false at EOF.
  absl::StatusOr<bool> Fill(int timeout_ms);

  int fd_;
  std::string buffer_;
  shim::FrameDecoder decoder_;
};

// Connects, sends one request and returns the reply data.
absl::StatusOr<std::string> CallShim(const std::string& socket_path, const std::string& command,
                                     const std::vector<std::string>& args = {},
                                     int timeout_ms = 30000);

}  // namespace berth::runtimed
