#include "services/apid/usecases/container_query.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"

namespace berth::apid {

std::string StateName(v1::ContainerStatus status) {
  switch (status) {
    case v1::CONTAINER_STATUS_CREATED:
      return "created";
    case v1::CONTAINER_STATUS_RUNNING:
      return "running";
    case v1::CONTAINER_STATUS_PAUSED:
      return "paused";
    case v1::CONTAINER_STATUS_RESTARTING:
      return "restarting";
    case v1::CONTAINER_STATUS_REMOVING:
      return "removing";
    case v1::CONTAINER_STATUS_EXITED:
      return "exited";
    case v1::CONTAINER_STATUS_DEAD:
      return "dead";
    default:
      return "created";
  }
}

std::string HealthStatus(const v1::Container& c) {
  const v1::HealthConfig& config = c.config().healthcheck();
  if (!c.has_health() || config.test().empty() || config.test(0) == "NONE") return "";
  return c.health().status();
}

absl::Status ValidateContainerFilters(const ContainerFilters& filters) {
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

bool ContainerMatches(const v1::Container& c, const ContainerFilters& filters) {
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

bool ListIncludesStopped(const ContainerListQuery& query) {
  return query.all || query.filters.count("status") > 0 || query.filters.count("exited") > 0 ||
         query.limit > 0;
}

}  // namespace berth::apid
