#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include "absl/status/status.h"

namespace berth {

// Default deadline for unary calls between services.
inline constexpr std::chrono::seconds kDefaultRpcDeadline{30};

// A channel to `address` ("unix:///path" or "host:port"). gRPC reconnects by
// itself when the peer restarts; callers get UNAVAILABLE meanwhile.
std::shared_ptr<grpc::Channel> MakeChannel(const std::string& address);

// Sets a deadline `timeout` from now on `context`.
void SetDeadline(grpc::ClientContext& context,
                 std::chrono::milliseconds timeout = kDefaultRpcDeadline);

// Asks the grpc.health.v1 service on `channel` whether the server is serving.
// OK when SERVING; Unavailable (with the reason) otherwise.
absl::Status CheckHealth(grpc::Channel& channel, std::chrono::milliseconds timeout);

}  // namespace berth
