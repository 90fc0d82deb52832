// Volumes: list (with filters), create, inspect, remove and prune. Each
// handler parses the Docker request, calls one VolumeService method and
// writes Docker's answer.

#include <string>

#include <nlohmann/json.hpp>

#include "services/apid/rest/filters.h"
#include "services/apid/rest/handlers.h"
#include "services/apid/rest/volume_json.h"

namespace berth::apid::rest {
namespace {

constexpr size_t kMaxJsonBody = 1 << 20;

absl::StatusOr<VolumeService*> Volumes(RestDeps& deps) {
  if (deps.volumes == nullptr) return absl::UnavailableError("volumes are not wired");
  return deps.volumes;
}

absl::Status List(RestDeps& deps, HandlerContext& ctx) {
  absl::StatusOr<VolumeService*> volumes = Volumes(deps);
  if (!volumes.ok()) return volumes.status();
  absl::StatusOr<Filters> filters = ParseFilters(ctx.request.query.Get("filters"));
  if (!filters.ok()) return filters.status();
  absl::StatusOr<v1::VolumeFilters> parsed = ToVolumeFilters(*filters);
  if (!parsed.ok()) return parsed.status();
  absl::StatusOr<std::vector<v1::Volume>> list = (*volumes)->List(*parsed);
  if (!list.ok()) return list.status();
  nlohmann::ordered_json out;
  out["Volumes"] = nlohmann::ordered_json::array();
  for (const v1::Volume& v : *list) out["Volumes"].push_back(VolumeJson(v));
  out["Warnings"] = nullptr;
  return SendJson(ctx.response, 200, out.dump());
}

absl::Status Create(RestDeps& deps, HandlerContext& ctx) {
  absl::StatusOr<VolumeService*> volumes = Volumes(deps);
  if (!volumes.ok()) return volumes.status();
  absl::StatusOr<std::string> body = ctx.body.ReadAll(kMaxJsonBody);
  if (!body.ok()) return body.status();
  absl::StatusOr<v1::CreateVolumeRequest> request = ParseVolumeCreateBody(*body);
  if (!request.ok()) return request.status();
  absl::StatusOr<v1::Volume> volume = (*volumes)->Create(*request);
  if (!volume.ok()) return volume.status();
  return SendJson(ctx.response, 201, VolumeJson(*volume).dump());
}

absl::Status Inspect(RestDeps& deps, HandlerContext& ctx) {
  absl::StatusOr<VolumeService*> volumes = Volumes(deps);
  if (!volumes.ok()) return volumes.status();
  absl::StatusOr<v1::Volume> volume = (*volumes)->Inspect(ctx.request.params["name"]);
  if (!volume.ok()) return volume.status();
  return SendJson(ctx.response, 200, VolumeJson(*volume).dump());
}

absl::Status Remove(RestDeps& deps, HandlerContext& ctx) {
  absl::StatusOr<VolumeService*> volumes = Volumes(deps);
  if (!volumes.ok()) return volumes.status();
  absl::Status removed =
      (*volumes)->Remove(ctx.request.params["name"], ctx.request.query.GetBool("force"));
  if (!removed.ok()) return removed;
  return ctx.response.Send(204, {}, "");
}

absl::Status Prune(RestDeps& deps, HandlerContext& ctx) {
  absl::StatusOr<VolumeService*> volumes = Volumes(deps);
  if (!volumes.ok()) return volumes.status();
  absl::StatusOr<Filters> filters = ParseFilters(ctx.request.query.Get("filters"));
  if (!filters.ok()) return filters.status();
  // API >= 1.42 prunes only anonymous volumes unless all=true; 1.41 (what
  // Berth serves) prunes every unused one. Only label filters apply.
  for (const auto& [key, values] : *filters) {
    if (key != "label" && key != "label!") {
      return absl::InvalidArgumentError("invalid filter '" + key + "'");
    }
    if (key == "label!") return absl::InvalidArgumentError("filter 'label!' is not supported");
  }
  absl::StatusOr<v1::VolumeFilters> parsed = ToVolumeFilters(*filters);
  if (!parsed.ok()) return parsed.status();
  absl::StatusOr<v1::PruneVolumesResponse> pruned = (*volumes)->Prune(*parsed);
  if (!pruned.ok()) return pruned.status();
  nlohmann::ordered_json out;
  out["VolumesDeleted"] = nlohmann::ordered_json::array();
  for (const auto& name : pruned->deleted()) out["VolumesDeleted"].push_back(name);
  out["SpaceReclaimed"] = pruned->space_reclaimed();
  return SendJson(ctx.response, 200, out.dump());
}

}  // namespace

void RegisterVolumeRoutes(Router& router, RestDeps& deps) {
  router.Add("GET", "/volumes", Bind(deps, List));
  router.Add("POST", "/volumes/create", Bind(deps, Create));
  router.Add("POST", "/volumes/prune", Bind(deps, Prune));
  router.Add("GET", "/volumes/{name}", Bind(deps, Inspect));
  router.Add("DELETE", "/volumes/{name}", Bind(deps, Remove));
}

}  // namespace berth::apid::rest
