// GET /events: dockerd's event stream (one JSON object per event, chunked),
// from EventService, which merges every service's persisted events.
#include <atomic>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "services/apid/rest/filters.h"
#include "services/apid/rest/handlers.h"
#include "services/apid/rest/query.h"
#include "spdlog/spdlog.h"
#include "common/time/proto_time.h"

namespace berth::apid::rest {

std::string EventJson(const v1::Event& e) {
  nlohmann::json attributes = nlohmann::json::object();
  for (const auto& [k, v] : e.attributes()) attributes[k] = v;
  nlohmann::json j;
  // API 1.41 still sends the pre-1.22 fields for containers and images.
  if (e.type() == "container" || e.type() == "image") {
    j["status"] = e.action();
    j["id"] = e.id();
    if (e.type() == "container" && e.attributes().contains("image")) {
      j["from"] = e.attributes().at("image");
    }
  }
  j["Type"] = e.type();
  j["Action"] = e.action();
  j["Actor"] = {{"ID", e.id()}, {"Attributes", attributes}};
  j["scope"] = "local";
  j["time"] = e.time().seconds();
  j["timeNano"] = google::protobuf::util::TimeUtil::TimestampToNanoseconds(e.time());
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

namespace {

absl::Status Events(RestDeps& deps, HandlerContext& ctx) {
  const Query& q = ctx.request.query;
  EventQuery query;
  absl::StatusOr<int64_t> since = q.GetUnixNanos("since");
  if (!since.ok()) return since.status();
  absl::StatusOr<int64_t> until = q.GetUnixNanos("until");
  if (!until.ok()) return until.status();
  if (*since > 0 && *until > 0 && *since > *until) {
    return absl::InvalidArgumentError("`since` time cannot be after `until` time");
  }
  query.since_unix_nano = *since;
  query.until_unix_nano = *until;
  absl::StatusOr<Filters> filters = ParseFilters(q.Get("filters"));
  if (!filters.ok()) return filters.status();
  query.filters = *filters;
  if (absl::Status s = ValidateEventFilters(query.filters); !s.ok()) return s;

  if (absl::Status s = ctx.response.BeginChunked(200, {{"Content-Type", "application/json"}});
      !s.ok()) {
    return absl::OkStatus();  // the client left before the headers
  }
  std::atomic<bool> gone{false};
  std::unique_ptr<DisconnectWatch> watch = ctx.response.WatchDisconnect([&gone] { gone = true; });
  absl::Status s = deps.events.Stream(
      query,
      [&](const v1::Event& e) {
        if (ctx.response.WriteChunk(EventJson(e)).ok()) return true;
        gone = true;
        return false;
      },
      [&gone] { return gone.load(); });
  watch.reset();
  if (gone) return absl::OkStatus();
  // Headers are out: a failed backend can only end the stream early.
  if (!s.ok()) spdlog::warn("events stream ended early: {}", s.ToString());
  return ctx.response.EndChunked();
}

}  // namespace

void RegisterEventRoutes(Router& router, RestDeps& deps) {
  router.Add("GET", "/events", [&deps](HandlerContext& ctx) { return Events(deps, ctx); });
}

}  // namespace berth::apid::rest
