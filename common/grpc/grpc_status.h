#pragma once

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace berth {

// absl and gRPC status codes line up one to one; these keep code and message.
grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace berth
