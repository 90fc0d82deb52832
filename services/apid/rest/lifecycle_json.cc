#include "services/apid/rest/lifecycle_json.h"

#include <cstdint>
#include <vector>

#include "services/apid/rest/frames.h"
#include "services/apid/rest/json_fields.h"

namespace berth::apid::rest {

absl::Status ParseRestartPolicy(const nlohmann::json& hc, v1::RestartPolicy* out, bool* present) {
  if (present != nullptr) *present = false;
  auto it = hc.find("RestartPolicy");
  if (it == hc.end() || it->is_null()) return absl::OkStatus();
  if (!it->is_object()) return WrongType("HostConfig.RestartPolicy", "an object");
  std::string name;
  if (absl::Status s = GetString(*it, "Name", &name, "HostConfig.RestartPolicy."); !s.ok()) {
    return s;
  }
  bool has_count = false;
  int64_t count = 0;
  if (absl::Status s = GetInt64(*it, "MaximumRetryCount", &has_count, &count,
                                "HostConfig.RestartPolicy.");
      !s.ok()) {
    return s;
  }
  if (count > INT32_MAX || count < INT32_MIN) {
    return absl::InvalidArgumentError("HostConfig.RestartPolicy.MaximumRetryCount is out of range");
  }
  out->set_name(name);
  out->set_maximum_retry_count(static_cast<int32_t>(count));
  if (present != nullptr) *present = true;
  return absl::OkStatus();
}

nlohmann::ordered_json RestartPolicyJson(const v1::RestartPolicy& policy) {
  return {{"Name", policy.name().empty() ? "no" : policy.name()},
          {"MaximumRetryCount", policy.maximum_retry_count()}};
}

absl::Status ParseHealthcheck(const nlohmann::json& config, v1::ContainerConfig* out) {
  auto it = config.find("Healthcheck");
  if (it == config.end() || it->is_null()) return absl::OkStatus();
  if (!it->is_object()) return WrongType("Healthcheck", "an object");
  v1::HealthConfig* hc = out->mutable_healthcheck();
  if (absl::Status s = GetStringArray(*it, "Test", hc->mutable_test(), "Healthcheck."); !s.ok()) {
    return s;
  }
  struct Field {
    const char* key;
    void (v1::HealthConfig::*set)(int64_t);
  };
  for (const Field& f : {Field{"Interval", &v1::HealthConfig::set_interval_ns},
                         Field{"Timeout", &v1::HealthConfig::set_timeout_ns},
                         Field{"StartPeriod", &v1::HealthConfig::set_start_period_ns},
                         Field{"StartInterval", &v1::HealthConfig::set_start_interval_ns}}) {
    bool present = false;
    int64_t value = 0;
    if (absl::Status s = GetInt64(*it, f.key, &present, &value, "Healthcheck."); !s.ok()) return s;
    (hc->*f.set)(value);
  }
  bool present = false;
  int64_t retries = 0;
  if (absl::Status s = GetInt64(*it, "Retries", &present, &retries, "Healthcheck."); !s.ok()) {
    return s;
  }
  if (retries > INT32_MAX || retries < INT32_MIN) {
    return absl::InvalidArgumentError("Healthcheck.Retries is out of range");
  }
  hc->set_retries(static_cast<int32_t>(retries));
  for (const auto& [key, value] : it->items()) {
    if (key != "Test" && key != "Interval" && key != "Timeout" && key != "StartPeriod" &&
        key != "StartInterval" && key != "Retries" && !value.is_null()) {
      return absl::InvalidArgumentError("Healthcheck." + key + " is not supported yet");
    }
  }
  return absl::OkStatus();
}

nlohmann::ordered_json HealthcheckJson(const v1::HealthConfig& config) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  if (!config.test().empty()) {
    j["Test"] = std::vector<std::string>(config.test().begin(), config.test().end());
  }
  if (config.interval_ns() != 0) j["Interval"] = config.interval_ns();
  if (config.timeout_ns() != 0) j["Timeout"] = config.timeout_ns();
  if (config.start_period_ns() != 0) j["StartPeriod"] = config.start_period_ns();
  if (config.start_interval_ns() != 0) j["StartInterval"] = config.start_interval_ns();
  if (config.retries() != 0) j["Retries"] = config.retries();
  return j;
}

nlohmann::ordered_json HealthJson(const v1::ContainerHealth& health) {
  nlohmann::ordered_json log = nlohmann::ordered_json::array();
  for (const v1::HealthLogEntry& e : health.log()) {
    log.push_back({{"Start", FormatRfc3339Nano(e.start().seconds(), e.start().nanos())},
                   {"End", FormatRfc3339Nano(e.end().seconds(), e.end().nanos())},
                   {"ExitCode", e.exit_code()},
                   {"Output", e.output()}});
  }
  return {{"Status", health.status()}, {"FailingStreak", health.failing_streak()}, {"Log", log}};
}

}  // namespace berth::apid::rest
