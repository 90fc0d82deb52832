// Docker's healthcheck rules as pure functions over berth.v1 messages: which
// healthcheck applies, its effective timings, and how one probe result moves
// State.Health (daemon/health.go in moby).
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "berth/v1/types.pb.h"

namespace berth::runtimed::health {

// dockerd's defaults and limits.
inline constexpr absl::Duration kDefaultInterval = absl::Seconds(30);
inline constexpr absl::Duration kDefaultTimeout = absl::Seconds(30);
inline constexpr absl::Duration kDefaultStartInterval = absl::Seconds(5);
inline constexpr int kDefaultRetries = 3;
inline constexpr size_t kMaxLogEntries = 5;
inline constexpr size_t kMaxOutputBytes = 4096;

// The effective timings of a healthcheck (zero fields → dockerd's defaults).
struct Timings {
  absl::Duration interval;
  absl::Duration timeout;
  absl::Duration start_period;
  absl::Duration start_interval;
  int retries = kDefaultRetries;
};

// True when `config` asks for probes: a test other than [] and ["NONE"].
bool Enabled(const v1::HealthConfig& config);
Timings EffectiveTimings(const v1::HealthConfig& config);
// The probe's argv: ["CMD", args...] → args; ["CMD-SHELL", cmd] →
// ["/bin/sh", "-c", cmd]. InvalidArgument for any other test.
absl::StatusOr<std::vector<std::string>> ProbeCommand(const v1::HealthConfig& config);
// dockerd's validation at create: "Interval in Healthcheck cannot be less
// than 1ms", likewise Timeout, StartPeriod and StartInterval, "Retries in
// Healthcheck cannot be negative".
absl::Status Validate(const v1::HealthConfig& config);

// The state of a freshly started container: starting, no failing streak
// (earlier probes stay in the log, as dockerd keeps them).
void Reset(v1::ContainerHealth* health);

// Applies one probe result (exit 0 healthy; anything else a failure, but
// failures inside the start period count only once the container was
// healthy) and keeps the last kMaxLogEntries probes. Returns true when the
// status changed (then dockerd emits "health_status: <status>").
bool ApplyProbe(v1::ContainerHealth* health, const v1::HealthLogEntry& probe,
                const Timings& timings, absl::Duration since_start);

// The interval before the next probe: start_interval while starting in the
// start period, else interval.
absl::Duration NextInterval(const v1::ContainerHealth& health, const Timings& timings,
                            absl::Duration since_start);

}  // namespace berth::runtimed::health
