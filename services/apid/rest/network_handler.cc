// Networks: GET /networks (filters), GET /networks/{id}, POST
// /networks/create, DELETE /networks/{id}, POST /networks/prune, POST
// /networks/{id}/connect and /disconnect. Translation only: the workflows are
// NetworkService's.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status/status.h"
#include "services/apid/rest/filters.h"
#include "services/apid/rest/handlers.h"
#include "services/apid/rest/network_json.h"

namespace berth::apid::rest {
namespace {

constexpr size_t kMaxBody = 64 * 1024;

absl::StatusOr<NetworkFilters> FiltersOf(HandlerContext& ctx) {
  absl::StatusOr<Filters> filters = ParseFilters(ctx.request.query.Get("filters"));
  if (!filters.ok()) return filters.status();
  return NetworkFilters(filters->begin(), filters->end());
}

absl::Status List(RestDeps& deps, HandlerContext& ctx) {
  BERTH_ASSIGN_OR_RETURN(NetworkFilters filters, FiltersOf(ctx));
  BERTH_ASSIGN_OR_RETURN(std::vector<v1::Network> networks, deps.networks.List(filters));
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const v1::Network& n : networks) out.push_back(NetworkJson(n));
  return SendJson(ctx.response, 200, out.dump());
}

absl::Status Inspect(RestDeps& deps, HandlerContext& ctx) {
  BERTH_ASSIGN_OR_RETURN(v1::Network network, deps.networks.Inspect(ctx.request.params["id"]));
  return SendJson(ctx.response, 200, NetworkJson(network).dump());
}

absl::Status Create(RestDeps& deps, HandlerContext& ctx) {
  BERTH_ASSIGN_OR_RETURN(std::string body, ctx.body.ReadAll(kMaxBody));
  BERTH_ASSIGN_OR_RETURN(v1::CreateNetworkRequest request, ParseNetworkCreate(body));
  BERTH_ASSIGN_OR_RETURN(v1::Network network, deps.networks.Create(request));
  nlohmann::ordered_json out;
  out["Id"] = network.id();
  out["Warning"] = "";
  return SendJson(ctx.response, 201, out.dump());
}

absl::Status Remove(RestDeps& deps, HandlerContext& ctx) {
  BERTH_RETURN_IF_ERROR(deps.networks.Remove(ctx.request.params["id"]));
  return ctx.response.Send(204, {}, "");
}

absl::Status Prune(RestDeps& deps, HandlerContext& ctx) {
  BERTH_ASSIGN_OR_RETURN(NetworkFilters filters, FiltersOf(ctx));
  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> removed, deps.networks.Prune(filters));
  nlohmann::ordered_json out;
  out["NetworksDeleted"] = removed;
  return SendJson(ctx.response, 200, out.dump());
}

absl::Status Connect(RestDeps& deps, HandlerContext& ctx) {
  BERTH_ASSIGN_OR_RETURN(std::string body, ctx.body.ReadAll(kMaxBody));
  BERTH_ASSIGN_OR_RETURN(ConnectBody request, ParseConnectBody(body));
  BERTH_RETURN_IF_ERROR(
      deps.networks.Connect(ctx.request.params["id"], request.container, request.settings));
  return ctx.response.Send(200, {}, "");
}

absl::Status Disconnect(RestDeps& deps, HandlerContext& ctx) {
  BERTH_ASSIGN_OR_RETURN(std::string body, ctx.body.ReadAll(kMaxBody));
  BERTH_ASSIGN_OR_RETURN(ConnectBody request, ParseConnectBody(body));
  BERTH_RETURN_IF_ERROR(deps.networks.Disconnect(ctx.request.params["id"], request.container));
  return ctx.response.Send(200, {}, "");
}

}  // namespace

void RegisterNetworkRoutes(Router& router, RestDeps& deps) {
  router.Add("GET", "/networks", Bind(deps, List));
  router.Add("POST", "/networks/create", Bind(deps, Create));
  router.Add("POST", "/networks/prune", Bind(deps, Prune));
  router.Add("GET", "/networks/{id}", Bind(deps, Inspect));
  router.Add("DELETE", "/networks/{id}", Bind(deps, Remove));
  router.Add("POST", "/networks/{id}/connect", Bind(deps, Connect));
  router.Add("POST", "/networks/{id}/disconnect", Bind(deps, Disconnect));
}

}  // namespace berth::apid::rest
