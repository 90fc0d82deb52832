#pragma once

// Docker's lifecycle fields ↔ berth.v1: HostConfig.RestartPolicy
// {Name, MaximumRetryCount} (also the body of POST /containers/{id}/update),
// Config.Healthcheck {Test, Interval, Timeout, StartPeriod, StartInterval,
// Retries} (durations in nanoseconds) and inspect's State.Health.
// Values pass through as sent; runtimed validates them with dockerd's texts
// (common/lifecycle/restart_policy.h).

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "berth/v1/types.pb.h"
#include "services/apid/usecases/container_query.h"  // HealthStatus

namespace berth::apid::rest {

// Reads `RestartPolicy` from `hc` (an object) when present and not null;
// sets *present. InvalidArgument naming the field for a wrong type.
absl::Status ParseRestartPolicy(const nlohmann::json& hc, v1::RestartPolicy* out,
                                bool* present = nullptr);

// Inspect's HostConfig.RestartPolicy ("no" for none, as dockerd shows it).
nlohmann::ordered_json RestartPolicyJson(const v1::RestartPolicy& policy);

// Reads `Healthcheck` from a create body's Config when present and not null
// (runtimed validates the values with dockerd's texts).
absl::Status ParseHealthcheck(const nlohmann::json& config, v1::ContainerConfig* out);

// Inspect's Config.Healthcheck (zero fields left out, as dockerd's omitempty).
nlohmann::ordered_json HealthcheckJson(const v1::HealthConfig& config);

// Inspect's State.Health {Status, FailingStreak, Log}.
nlohmann::ordered_json HealthJson(const v1::ContainerHealth& health);

}  // namespace berth::apid::rest
