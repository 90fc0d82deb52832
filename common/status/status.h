#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Propagates a non-OK absl::Status to the caller.
#define BERTH_RETURN_IF_ERROR(expr)                \
  do {                                             \
    ::absl::Status berth_status_ = (expr);         \
    if (!berth_status_.ok()) return berth_status_; \
  } while (0)

#define BERTH_STATUS_CONCAT_INNER_(a, b) a##b
#define BERTH_STATUS_CONCAT_(a, b) BERTH_STATUS_CONCAT_INNER_(a, b)

// `BERTH_ASSIGN_OR_RETURN(auto x, Foo());` unwraps a StatusOr or returns its error.
#define BERTH_ASSIGN_OR_RETURN(lhs, expr) \
  BERTH_ASSIGN_OR_RETURN_IMPL_(BERTH_STATUS_CONCAT_(berth_statusor_, __LINE__), lhs, expr)
#define BERTH_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.status();                \
  lhs = std::move(*tmp)

namespace berth {

// Maps an errno value to a Status code (ENOENT→NotFound, EEXIST→AlreadyExists,
// EACCES/EPERM→PermissionDenied, EBUSY→FailedPrecondition, ENOSPC→ResourceExhausted,
// EINVAL→InvalidArgument, else Internal) and keeps the errno text after `context`.
absl::Status ErrnoToStatus(int err, const std::string& context);

// Prefixes the message of a non-OK status with "context: ", keeping the code.
absl::Status Annotate(const absl::Status& status, const std::string& context);

}  // namespace berth
