// Signal names as Docker accepts them: "KILL", "SIGKILL", "9", "sigterm".
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace berth::runtimed {

// InvalidArgument "Invalid signal: <text>" for unknown names, numbers out of
// range and "".
absl::StatusOr<int> ParseSignal(const std::string& text);

}  // namespace berth::runtimed
