// docker pause, unpause, top, rename and container prune: each handler parses
// the Docker request, calls one ContainerService method and writes Docker's
// answer.

#include <string>

#include <nlohmann/json.hpp>

#include "services/apid/rest/filters.h"
#include "services/apid/rest/handlers.h"

namespace berth::apid::rest {
namespace {

absl::Status Pause(RestDeps& deps, HandlerContext& ctx) {
  if (absl::Status s = deps.containers.Pause(ctx.request.params["id"]); !s.ok()) return s;
  return ctx.response.Send(204, {}, "");
}

absl::Status Unpause(RestDeps& deps, HandlerContext& ctx) {
  if (absl::Status s = deps.containers.Unpause(ctx.request.params["id"]); !s.ok()) return s;
  return ctx.response.Send(204, {}, "");
}

absl::Status Top(RestDeps& deps, HandlerContext& ctx) {
  absl::StatusOr<v1::TopContainerResponse> top =
      deps.containers.Top(ctx.request.params["id"], ctx.request.query.Get("ps_args"));
  if (!top.ok()) return top.status();
  nlohmann::ordered_json j;
  j["Processes"] = nlohmann::ordered_json::array();
  for (const v1::TopProcess& p : top->processes()) {
    j["Processes"].push_back(std::vector<std::string>(p.fields().begin(), p.fields().end()));
  }
  j["Titles"] = std::vector<std::string>(top->titles().begin(), top->titles().end());
  return SendJson(ctx.response, 200, j.dump());
}

absl::Status Rename(RestDeps& deps, HandlerContext& ctx) {
  absl::Status s = deps.containers.Rename(ctx.request.params["id"], ctx.request.query.Get("name"));
  if (!s.ok()) return s;
  return ctx.response.Send(204, {}, "");
}

absl::Status Prune(RestDeps& deps, HandlerContext& ctx) {
  absl::StatusOr<Filters> filters = ParseFilters(ctx.request.query.Get("filters"));
  if (!filters.ok()) return filters.status();
  absl::StatusOr<v1::PruneContainersResponse> pruned = deps.containers.Prune(*filters);
  if (!pruned.ok()) return pruned.status();
  nlohmann::ordered_json j;
  // dockerd's nil slice: null when nothing was deleted.
  j["ContainersDeleted"] = nullptr;
  for (const std::string& id : pruned->deleted()) j["ContainersDeleted"].push_back(id);
  j["SpaceReclaimed"] = pruned->space_reclaimed();
  return SendJson(ctx.response, 200, j.dump());
}

}  // namespace

void RegisterContainerOpsRoutes(Router& router, RestDeps& deps) {
  router.Add("POST", "/containers/{id}/pause", Bind(deps, Pause));
  router.Add("POST", "/containers/{id}/unpause", Bind(deps, Unpause));
  router.Add("GET", "/containers/{id}/top", Bind(deps, Top));
  router.Add("POST", "/containers/{id}/rename", Bind(deps, Rename));
  router.Add("POST", "/containers/prune", Bind(deps, Prune));
}

}  // namespace berth::apid::rest
