#include "services/apid/rest/http_status.h"

#include <nlohmann/json.hpp>

namespace berth::apid::rest {

int HttpStatusFor(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kInvalidArgument:
      return 400;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kFailedPrecondition:
      return 409;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kUnimplemented:
      return 501;
    case absl::StatusCode::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

std::string ErrorBody(const std::string& message) {
  return nlohmann::json{{"message", message}}.dump(-1, ' ', false,
                                                   nlohmann::json::error_handler_t::replace) +
         "\n";
}

}  // namespace berth::apid::rest
