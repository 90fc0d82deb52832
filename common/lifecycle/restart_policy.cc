#include "common/lifecycle/restart_policy.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace berth::lifecycle {

bool IsNoRestartPolicy(const std::string& name) { return name.empty() || name == "no"; }

absl::Status ValidateRestartPolicy(const std::string& name, int64_t maximum_retry_count,
                                   bool auto_remove) {
  if (name == "always" || name == "unless-stopped" || IsNoRestartPolicy(name)) {
    // Before Docker 25 the CLI sent an empty name with any count; dockerd
    // still accepts that.
    if (maximum_retry_count != 0 && !name.empty()) {
      std::string message =
          "invalid restart policy: maximum retry count can only be used with 'on-failure'";
      if (maximum_retry_count < 0) absl::StrAppend(&message, " and cannot be negative");
      return absl::InvalidArgumentError(message);
    }
  } else if (name == "on-failure") {
    if (maximum_retry_count < 0) {
      return absl::InvalidArgumentError(
          "invalid restart policy: maximum retry count cannot be negative");
    }
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid restart policy: unknown policy '", name,
        "'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'"));
  }
  if (auto_remove && !IsNoRestartPolicy(name)) {
    return absl::InvalidArgumentError("can't create 'AutoRemove' container with restart policy");
  }
  return absl::OkStatus();
}

bool ShouldRestart(const std::string& name, int64_t maximum_retry_count, const ExitFacts& facts) {
  if (name == "always") return true;
  if (name == "unless-stopped") return !facts.manually_stopped;
  if (name == "on-failure") {
    if (maximum_retry_count > 0 && facts.restart_count >= maximum_retry_count) return false;
    return facts.exit_code != 0;
  }
  return false;
}

bool ShouldStartWithEngine(const std::string& name, int64_t maximum_retry_count,
                           const ExitFacts& facts) {
  if (name == "always") return true;
  return !facts.manually_stopped && ShouldRestart(name, maximum_retry_count, facts);
}

absl::Duration NextRestartDelay(absl::Duration previous, absl::Duration ran_for) {
  if (ran_for >= kRestartResetRun || previous <= absl::ZeroDuration()) return kFirstRestartDelay;
  return std::min(previous * 2, kMaxRestartDelay);
}

}  // namespace berth::lifecycle
