#pragma once

// The one place where a Status becomes a Docker HTTP status code and error
// body (style.md §6). Per-endpoint exceptions (e.g. start errors → 400) live
// in their handler, next to a test.

#include <string>

#include "absl/status/status.h"

namespace berth::apid::rest {

// InvalidArgument 400, NotFound 404, AlreadyExists/FailedPrecondition 409,
// PermissionDenied 403, Unauthenticated 401, Unimplemented 501,
// Unavailable 503, everything else 500.
int HttpStatusFor(const absl::Status& status);

// {"message":"<status message>"} — what the CLI prints after
// "Error response from daemon: ".
std::string ErrorBody(const std::string& message);

}  // namespace berth::apid::rest
