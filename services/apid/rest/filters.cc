#include "services/apid/rest/filters.h"

#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"
#include "services/apid/rest/container_json.h"
#include "services/apid/rest/lifecycle_json.h"

namespace berth::apid::rest {

absl::StatusOr<Filters> ParseFilters(const std::string& text) {
  Filters filters;
  if (text.empty()) return filters;
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::InvalidArgumentError("invalid filter: expected a JSON object");
  }
  for (const auto& [key, value] : j.items()) {
    std::vector<std::string>& out = filters[key];
    if (value.is_array()) {
      for (const auto& v : value) {
        if (!v.is_string()) return absl::InvalidArgumentError("invalid filter '" + key + "'");
        out.push_back(v.get<std::string>());
      }
    } else if (value.is_object()) {
      for (const auto& [v, enabled] : value.items()) {
        if (!enabled.is_boolean()) return absl::InvalidArgumentError("invalid filter '" + key + "'");
        if (enabled.get<bool>()) out.push_back(v);
      }
    } else {
      return absl::InvalidArgumentError("invalid filter '" + key + "'");
    }
  }
  return filters;
}

absl::Status ValidateContainerFilters(const Filters& filters) {
  for (const auto& [key, values] : filters) {
    if (key != "status" && key != "label" && key != "name" && key != "id" && key != "exited" &&
        key != "health") {
      return absl::InvalidArgumentError("invalid filter '" + key + "'");
    }
  }
  return absl::OkStatus();
}

namespace {

bool MatchOne(const v1::Container& c, const std::string& key, const std::string& v) {
  if (key == "status") return StateName(c.state().status()) == v;
  if (key == "id") return absl::StartsWith(c.id(), v);
  if (key == "health") {
    // dockerd: starting, healthy, unhealthy, or none (no healthcheck).
    const std::string status = HealthStatus(c);
    return v == (status.empty() ? "none" : status);
  }
  if (key == "name") return absl::StrContains(c.name(), absl::StripPrefix(v, "/"));
  if (key == "exited") {
    int code = 0;
    return absl::SimpleAtoi(v, &code) && c.state().status() == v1::CONTAINER_STATUS_EXITED &&
           c.state().exit_code() == code;
  }
  if (key == "label") {
    size_t eq = v.find('=');
    auto it = c.config().labels().find(v.substr(0, eq));
    if (it == c.config().labels().end()) return false;
    return eq == std::string::npos || it->second == v.substr(eq + 1);
  }
  return false;
}

}  // namespace

bool ContainerMatches(const v1::Container& c, const Filters& filters) {
  for (const auto& [key, values] : filters) {
    if (values.empty()) continue;
    // As dockerd: every label filter must match (docker-compose asks for
    // project AND oneoff=False), the values of any other key are
    // alternatives.
    if (key == "label") {
      for (const std::string& v : values) {
        if (!MatchOne(c, key, v)) return false;
      }
      continue;
    }
    bool any = false;
    for (const std::string& v : values) any = any || MatchOne(c, key, v);
    if (!any) return false;
  }
  return true;
}

}  // namespace berth::apid::rest
