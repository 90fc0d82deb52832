// POST /containers/{id}/update: the resource fields of the body (Docker's
// UpdateConfig) go to runtimed, which validates and applies them live.
//
// GET /containers/{id}/stats: stream=true (the default) sends one JSON line
// per second until the client leaves or the container is removed;
// stream=false answers once — after a second read one second later so
// precpu_stats is filled and the CLI can compute CPU % (dockerd does the
// same), or at once with one-shot=true.
#include <chrono>
#include <thread>

#include <nlohmann/json.hpp>

#include "services/apid/rest/handlers.h"
#include "services/apid/rest/lifecycle_json.h"
#include "services/apid/rest/resources_json.h"
#include "services/apid/rest/stats_json.h"

namespace berth::apid::rest {
namespace {

constexpr auto kInterval = std::chrono::seconds(1);

absl::Status Stats(RestDeps& deps, HandlerContext& ctx) {
  const Query& q = ctx.request.query;
  const std::string& id = ctx.request.params["id"];
  bool stream = q.GetBool("stream", true);
  bool one_shot = q.GetBool("one-shot", false);
  if (one_shot && stream) {
    return absl::InvalidArgumentError("cannot have stream=true and one-shot=true");
  }
  absl::StatusOr<v1::ContainerStats> first = deps.containers.Stats(id);
  if (!first.ok()) return first.status();
  if (!stream) {
    if (one_shot || !first->running()) return SendJson(ctx.response, 200, StatsJson(*first, nullptr));
    std::this_thread::sleep_for(kInterval);
    absl::StatusOr<v1::ContainerStats> second = deps.containers.Stats(id);
    if (!second.ok()) return second.status();
    return SendJson(ctx.response, 200, StatsJson(*second, &*first));
  }
  absl::Status begun = ctx.response.BeginChunked(200, {{"Content-Type", "application/json"}});
  if (!begun.ok()) return begun;
  v1::ContainerStats previous = *std::move(first);
  if (!ctx.response.WriteChunk(StatsJson(previous, nullptr)).ok()) return absl::OkStatus();
  while (true) {
    std::this_thread::sleep_for(kInterval);
    absl::StatusOr<v1::ContainerStats> next = deps.containers.Stats(id);
    if (!next.ok()) break;  // removed, or runtimed gone: end the stream
    // A failed write means the client left.
    if (!ctx.response.WriteChunk(StatsJson(*next, &previous)).ok()) return absl::OkStatus();
    previous = *std::move(next);
  }
  return ctx.response.EndChunked();
}

// null, 0, "", false and containers of those: what the docker CLI sends for
// fields the user did not set.
bool IsUnset(const nlohmann::json& v) {
  if (v.is_null()) return true;
  if (v.is_boolean()) return !v.get<bool>();
  if (v.is_number()) return v.get<double>() == 0;
  if (v.is_string()) return v.get<std::string>().empty();
  for (const auto& e : v) {
    if (!IsUnset(e)) return false;
  }
  return true;
}

absl::Status Update(RestDeps& deps, HandlerContext& ctx) {
  absl::StatusOr<std::string> body = ctx.body.ReadAll(1 << 20);
  if (!body.ok()) return body.status();
  nlohmann::json j = nlohmann::json::parse(*body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return absl::InvalidArgumentError("update: the body must be a JSON object");
  for (const auto& [key, value] : j.items()) {
    if (!IsResourcesHostConfigKey(key) && key != "RestartPolicy" && !IsUnset(value)) {
      return absl::InvalidArgumentError(key + " is not supported yet by update");
    }
  }
  v1::UpdateContainerRequest request;
  request.set_container(ctx.request.params["id"]);
  if (absl::Status s = ParseResources(j, request.mutable_resources()); !s.ok()) return s;
  // The docker CLI always sends RestartPolicy, with an empty name unless
  // --restart was given; as dockerd, only a named policy replaces the old.
  bool has_policy = false;
  v1::RestartPolicy policy;
  if (absl::Status s = ParseRestartPolicy(j, &policy, &has_policy); !s.ok()) return s;
  if (has_policy && !policy.name().empty()) *request.mutable_restart_policy() = policy;
  absl::StatusOr<v1::UpdateContainerResponse> reply = deps.containers.Update(request);
  if (!reply.ok()) return reply.status();
  nlohmann::json out = {{"Warnings", nlohmann::json::array()}};
  for (const auto& w : reply->warnings()) out["Warnings"].push_back(w);
  return SendJson(ctx.response, 200, out.dump());
}

}  // namespace

void RegisterStatsRoutes(Router& router, RestDeps& deps) {
  router.Add("GET", "/containers/{id}/stats",
             [&deps](HandlerContext& ctx) { return Stats(deps, ctx); });
  router.Add("POST", "/containers/{id}/update",
             [&deps](HandlerContext& ctx) { return Update(deps, ctx); });
}

}  // namespace berth::apid::rest
