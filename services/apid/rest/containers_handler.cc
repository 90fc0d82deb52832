// Container lifecycle and listing: create, start, stop, restart, kill, remove,
// resize, list and inspect. Each handler parses the Docker request, calls one
// ContainerService method and writes Docker's answer; no workflow here.

#include <algorithm>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/time/clock.h"
#include "common/status/status.h"
#include "services/apid/rest/container_json.h"
#include "services/apid/rest/filters.h"
#include "services/apid/rest/handlers.h"
#include "services/apid/rest/http_status.h"
#include "common/time/proto_time.h"

namespace berth::apid::rest {
namespace {

// Create bodies are small JSON; anything bigger is a mistake or an attack.
constexpr size_t kMaxJsonBody = 4 << 20;

absl::Status Create(RestDeps& deps, HandlerContext& ctx) {
  absl::StatusOr<std::string> body = ctx.body.ReadAll(kMaxJsonBody);
  if (!body.ok()) return body.status();
  absl::StatusOr<v1::ContainerConfig> config = ParseCreateBody(*body);
  if (!config.ok()) return config.status();
  absl::StatusOr<ContainerService::CreateResult> created =
      deps.containers.Create(ctx.request.query.Get("name"), *config);
  if (!created.ok()) return created.status();
  nlohmann::ordered_json j;
  j["Id"] = created->id;
  j["Warnings"] = created->warnings;
  return SendJson(ctx.response, 201, j.dump());
}

absl::Status SendStartError(HandlerContext& ctx, const absl::Status& error) {
  return ctx.response.Send(StartErrorHttpStatus(error), {{"Content-Type", "application/json"}},
                           ErrorBody(std::string(error.message())));
}

absl::Status Start(RestDeps& deps, HandlerContext& ctx) {
  absl::StatusOr<bool> already = deps.containers.Start(ctx.request.params["id"]);
  if (!already.ok()) return SendStartError(ctx, already.status());
  return ctx.response.Send(*already ? 304 : 204, {}, "");
}

absl::Status Stop(RestDeps& deps, HandlerContext& ctx) {
  absl::StatusOr<long long> t = ctx.request.query.GetInt("t", -1, kStopTimeoutRange);
  if (!t.ok()) return t.status();
  absl::StatusOr<std::string> signal = ctx.request.query.GetSignal("signal");
  if (!signal.ok()) return signal.status();
  absl::StatusOr<bool> already =
      deps.containers.Stop(ctx.request.params["id"], static_cast<int>(*t), *signal);
  if (!already.ok()) return already.status();
  return ctx.response.Send(*already ? 304 : 204, {}, "");
}

absl::Status Restart(RestDeps& deps, HandlerContext& ctx) {
  absl::StatusOr<long long> t = ctx.request.query.GetInt("t", -1, kStopTimeoutRange);
  if (!t.ok()) return t.status();
  absl::Status s = deps.containers.Restart(ctx.request.params["id"], static_cast<int>(*t));
  // Answered like a failed start: 400 with the text (404 / 503 for not found
  // or a backend down), as a restart ends in a start.
  if (!s.ok()) return SendStartError(ctx, s);
  return ctx.response.Send(204, {}, "");
}

absl::Status Kill(RestDeps& deps, HandlerContext& ctx) {
  absl::StatusOr<std::string> signal = ctx.request.query.GetSignal("signal");
  if (!signal.ok()) return signal.status();
  absl::Status s = deps.containers.Kill(ctx.request.params["id"], *signal);
  if (!s.ok()) return s;
  return ctx.response.Send(204, {}, "");
}

absl::Status Remove(RestDeps& deps, HandlerContext& ctx) {
  absl::Status s = deps.containers.Remove(ctx.request.params["id"],
                                          ctx.request.query.GetBool("force"),
                                          ctx.request.query.GetBool("v"));
  if (!s.ok()) return s;
  return ctx.response.Send(204, {}, "");
}

absl::Status Resize(RestDeps& deps, HandlerContext& ctx) {
  absl::StatusOr<long long> h = ctx.request.query.GetInt("h", 0, kTerminalSizeRange);
  if (!h.ok()) return h.status();
  absl::StatusOr<long long> w = ctx.request.query.GetInt("w", 0, kTerminalSizeRange);
  if (!w.ok()) return w.status();
  if (absl::Status s = deps.containers.Resize(ctx.request.params["id"], static_cast<uint32_t>(*h),
                                              static_cast<uint32_t>(*w));
      !s.ok()) {
    return s;
  }
  return ctx.response.Send(200, {{"Content-Type", "text/plain; charset=utf-8"}}, "");
}

absl::Status List(RestDeps& deps, HandlerContext& ctx) {
  const Query& q = ctx.request.query;
  ContainerListQuery query;
  BERTH_ASSIGN_OR_RETURN(query.filters, ParseFilters(q.Get("filters")));
  BERTH_ASSIGN_OR_RETURN(query.limit, q.GetInt("limit", -1, kListLimitRange));
  query.all = q.GetBool("all");
  BERTH_ASSIGN_OR_RETURN(std::vector<v1::Container> selected, deps.containers.List(query));
  absl::Time now = absl::Now();
  std::string out = "[";
  for (size_t i = 0; i < selected.size(); ++i) {
    if (i > 0) out += ",";
    out += ContainerListEntryJson(selected[i], now);
  }
  out += "]";
  return SendJson(ctx.response, 200, out);
}

absl::Status Inspect(RestDeps& deps, HandlerContext& ctx) {
  absl::StatusOr<v1::Container> c = deps.containers.Inspect(ctx.request.params["id"]);
  if (!c.ok()) return c.status();
  return SendJson(ctx.response, 200, ContainerInspectJson(*c));
}

}  // namespace

int StartErrorHttpStatus(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kUnavailable:
      return HttpStatusFor(status);
    default:
      return 400;
  }
}

void RegisterContainerRoutes(Router& router, RestDeps& deps) {
  router.Add("POST", "/containers/create", Bind(deps, Create));
  router.Add("GET", "/containers/json", Bind(deps, List));
  router.Add("GET", "/containers/{id}/json", Bind(deps, Inspect));
  router.Add("POST", "/containers/{id}/start", Bind(deps, Start));
  router.Add("POST", "/containers/{id}/stop", Bind(deps, Stop));
  router.Add("POST", "/containers/{id}/restart", Bind(deps, Restart));
  router.Add("POST", "/containers/{id}/kill", Bind(deps, Kill));
  router.Add("POST", "/containers/{id}/resize", Bind(deps, Resize));
  router.Add("DELETE", "/containers/{id}", Bind(deps, Remove));
}

}  // namespace berth::apid::rest
