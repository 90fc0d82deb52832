#pragma once

#include <string>

#include "absl/status/status.h"

namespace berth::log {

// Sets up spdlog for a daemon: `name` tags every line; `level` is one of
// trace, debug, info, warn, error, critical, off. InvalidArgument on a bad level.
absl::Status Init(const std::string& name, const std::string& level);

}  // namespace berth::log

// Logs and aborts when an invariant the program itself guarantees is broken.
// Never use it for conditions the environment controls.
#define BERTH_CHECK(cond)                                                       \
  do {                                                                          \
    if (!(cond)) ::berth::log::internal::CheckFailed(#cond, __FILE__, __LINE__); \
  } while (0)

namespace berth::log::internal {
[[noreturn]] void CheckFailed(const char* cond, const char* file, int line);
}
