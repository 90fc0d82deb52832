// What every command shares: the connection to apid and docker-style error
// reporting.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include "absl/time/time.h"
#include "berth/v1/api.grpc.pb.h"

namespace berth::cli {

// Exit codes the docker CLI uses.
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;
// `run` itself failed (bad flag, create failed, daemon unreachable).
inline constexpr int kExitRunFailed = 125;
// A command line the parser rejected (docker uses 125 for flag errors too).
inline constexpr int kExitUsage = 125;

// A connection to apid's berth.v1.Berth service at `host`.
class ApiClient {
 public:
  explicit ApiClient(std::string host);

  berth::v1::Berth::Stub& stub() { return *stub_; }
  grpc::Channel& channel() { return *channel_; }
  const std::string& host() const { return host_; }

  // A context for a unary call, with the default deadline.
  std::unique_ptr<grpc::ClientContext> UnaryContext(
      std::chrono::milliseconds timeout = std::chrono::seconds(30)) const;

  // The text to show for a failed call, without a prefix:
  //   "Cannot connect to the Berth daemon at <host>. Is apid running?" when
  //   the channel never reached apid, else
  //   "Error response from daemon: <message>".
  // An UNAVAILABLE answer from a connected apid (a backing service is down)
  // is a daemon error, not a connection failure, hence the channel check.
  std::string Describe(const grpc::Status& status);

  // Prints Describe(status) to stderr, preceded by `prefix` (e.g. "berth: ").
  void PrintError(const grpc::Status& status, const std::string& prefix = "");

 private:
  std::string host_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<berth::v1::Berth::Stub> stub_;
};

// A protobuf timestamp as absl::Time (the epoch for an unset timestamp).
absl::Time ToAbslTime(const google::protobuf::Timestamp& ts);

// The message as protobuf's pretty JSON (every field printed, no trailing
// newline), or an {"error": ...} document when it cannot be converted; what
// `berth inspect` and friends print.
std::string ToPrettyJson(const google::protobuf::Message& message);

// Writes all of `data` to `fd`, retrying short writes and EINTR. False when
// the reader went away (EPIPE) or another error occurred.
bool WriteAll(int fd, const std::string& data);

}  // namespace berth::cli
