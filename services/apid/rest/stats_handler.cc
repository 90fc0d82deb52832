// GET /containers/{id}/stats: stream=true (the default) sends one JSON line
// per second until the client leaves or the container is removed;
// stream=false answers once — after a second read one second later so
// precpu_stats is filled and the CLI can compute CPU % (dockerd does the
// same), or at once with one-shot=true.
#include <chrono>
#include <thread>

#include "services/apid/rest/handlers.h"
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
  absl::StatusOr<v1::ContainerStats> first = deps.runtimed.ContainerStats(id);
  if (!first.ok()) return first.status();
  if (!stream) {
    if (one_shot || !first->running()) return SendJson(ctx.response, 200, StatsJson(*first, nullptr));
    std::this_thread::sleep_for(kInterval);
    absl::StatusOr<v1::ContainerStats> second = deps.runtimed.ContainerStats(id);
    if (!second.ok()) return second.status();
    return SendJson(ctx.response, 200, StatsJson(*second, &*first));
  }
  absl::Status begun = ctx.response.BeginChunked(200, {{"Content-Type", "application/json"}});
  if (!begun.ok()) return begun;
  v1::ContainerStats previous = *std::move(first);
  if (!ctx.response.WriteChunk(StatsJson(previous, nullptr)).ok()) return absl::OkStatus();
  while (true) {
    std::this_thread::sleep_for(kInterval);
    absl::StatusOr<v1::ContainerStats> next = deps.runtimed.ContainerStats(id);
    if (!next.ok()) break;  // removed, or runtimed gone: end the stream
    // A failed write means the client left.
    if (!ctx.response.WriteChunk(StatsJson(*next, &previous)).ok()) return absl::OkStatus();
    previous = *std::move(next);
  }
  return ctx.response.EndChunked();
}

}  // namespace

void RegisterStatsRoutes(Router& router, RestDeps& deps) {
  router.Add("GET", "/containers/{id}/stats",
             [&deps](HandlerContext& ctx) { return Stats(deps, ctx); });
}

}  // namespace berth::apid::rest
