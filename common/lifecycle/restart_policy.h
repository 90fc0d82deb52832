// Docker's restart policies as pure rules, shared by runtimed (which applies
// a policy when a container exits) and apid (which starts the containers a
// policy wants running when the stack starts, as dockerd does at its start).
// Names are Docker's: "" or "no", "always", "unless-stopped", "on-failure".
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace berth::lifecycle {

// dockerd's backoff: 100 ms, doubled after each restart up to one minute,
// back to 100 ms once the container ran for 10 s.
inline constexpr absl::Duration kFirstRestartDelay = absl::Milliseconds(100);
inline constexpr absl::Duration kMaxRestartDelay = absl::Minutes(1);
inline constexpr absl::Duration kRestartResetRun = absl::Seconds(10);

// InvalidArgument with dockerd's texts for an unknown name, a retry count
// with a policy other than on-failure or a negative one, and a policy other
// than "no" on an auto-remove (--rm) container.
absl::Status ValidateRestartPolicy(const std::string& name, int64_t maximum_retry_count,
                                   bool auto_remove);

// True for "" and "no".
bool IsNoRestartPolicy(const std::string& name);

// What is known about a container when it has just exited.
struct ExitFacts {
  int exit_code = 0;
  bool manually_stopped = false;  // docker stop/kill (HasBeenManuallyStopped)
  int restart_count = 0;          // restarts by the policy since the last user start
};

// dockerd's restart manager: always; unless-stopped unless stopped by the
// user; on-failure for a non-zero exit while restart_count < the maximum
// (0 = no maximum). A stop or kill that cancels the policy is the caller's
// (it asks nothing then).
bool ShouldRestart(const std::string& name, int64_t maximum_retry_count, const ExitFacts& facts);

// dockerd's rule at its own start, for a container that is not running:
// always (even after a user stop); otherwise what ShouldRestart says unless
// the user stopped it. apid applies it when it starts, which is when the
// stack starts.
bool ShouldStartWithEngine(const std::string& name, int64_t maximum_retry_count,
                           const ExitFacts& facts);

// The delay before the next restart, given the one before (zero for none
// yet) and how long the container ran.
absl::Duration NextRestartDelay(absl::Duration previous, absl::Duration ran_for);

}  // namespace berth::lifecycle
