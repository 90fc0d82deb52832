#include "services/runtimed/health/health_state.h"

#include "absl/strings/str_cat.h"

namespace berth::runtimed::health {
namespace {

absl::Duration OrDefault(int64_t nanos, absl::Duration fallback) {
  return nanos > 0 ? absl::Nanoseconds(nanos) : fallback;
}

}  // namespace

bool Enabled(const v1::HealthConfig& config) {
  return config.test_size() > 0 && config.test(0) != "NONE";
}

Timings EffectiveTimings(const v1::HealthConfig& config) {
  Timings t;
  t.interval = OrDefault(config.interval_ns(), kDefaultInterval);
  t.timeout = OrDefault(config.timeout_ns(), kDefaultTimeout);
  t.start_period = OrDefault(config.start_period_ns(), absl::ZeroDuration());
  t.start_interval = OrDefault(config.start_interval_ns(), kDefaultStartInterval);
  t.retries = config.retries() > 0 ? config.retries() : kDefaultRetries;
  return t;
}

absl::StatusOr<std::vector<std::string>> ProbeCommand(const v1::HealthConfig& config) {
  if (config.test_size() >= 2 && config.test(0) == "CMD") {
    return std::vector<std::string>(config.test().begin() + 1, config.test().end());
  }
  if (config.test_size() == 2 && config.test(0) == "CMD-SHELL") {
    return std::vector<std::string>{"/bin/sh", "-c", config.test(1)};
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown healthcheck type '", config.test_size() > 0 ? config.test(0) : "", "' (test must "
      "start with NONE, CMD or CMD-SHELL)"));
}

absl::Status Validate(const v1::HealthConfig& config) {
  constexpr int64_t kMinimum = 1000000;  // 1ms, dockerd's MinimumDuration
  struct Field {
    const char* name;
    int64_t value;
  };
  for (const Field& f : {Field{"Interval", config.interval_ns()},
                         Field{"Timeout", config.timeout_ns()},
                         Field{"StartPeriod", config.start_period_ns()},
                         Field{"StartInterval", config.start_interval_ns()}}) {
    if (f.value != 0 && f.value < kMinimum) {
      return absl::InvalidArgumentError(
          absl::StrCat(f.name, " in Healthcheck cannot be less than 1ms"));
    }
  }
  if (config.retries() < 0) {
    return absl::InvalidArgumentError("Retries in Healthcheck cannot be negative");
  }
  if (Enabled(config)) return ProbeCommand(config).status();
  return absl::OkStatus();
}

void Reset(v1::ContainerHealth* health) {
  health->set_status("starting");
  health->set_failing_streak(0);
}

bool ApplyProbe(v1::ContainerHealth* health, const v1::HealthLogEntry& probe,
                const Timings& timings, absl::Duration since_start) {
  const std::string before = health->status();
  *health->add_log() = probe;
  while (static_cast<size_t>(health->log_size()) > kMaxLogEntries) {
    health->mutable_log()->DeleteSubrange(0, 1);
  }
  if (probe.exit_code() == 0) {
    health->set_failing_streak(0);
    health->set_status("healthy");
  } else {
    // A container that never was healthy gets its start period of grace.
    bool counts = !(before == "starting" && since_start < timings.start_period);
    if (counts) {
      health->set_failing_streak(health->failing_streak() + 1);
      if (health->failing_streak() >= timings.retries) health->set_status("unhealthy");
    }
  }
  return health->status() != before;
}

absl::Duration NextInterval(const v1::ContainerHealth& health, const Timings& timings,
                            absl::Duration since_start) {
  if (since_start < timings.start_period && health.status() == "starting") {
    return timings.start_interval;
  }
  return timings.interval;
}

}  // namespace berth::runtimed::health
