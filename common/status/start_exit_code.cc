#include "common/status/start_exit_code.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace berth {

int StartFailureExitCode(absl::string_view message) {
  // The text may come from strerror ("No such file or directory") or from
  // Go-style messages ("no such file or directory"): compare without case.
  const std::string text = absl::AsciiStrToLower(std::string(message));
  if (absl::StrContains(text, "executable file not found") ||
      absl::StrContains(text, "no such file or directory")) {
    return 127;
  }
  if (absl::StrContains(text, "permission denied") || absl::StrContains(text, "is a directory")) {
    return 126;
  }
  return 125;
}

}  // namespace berth
