#include <string>

#include "absl/time/clock.h"
#include "common/status/status.h"
#include "services/apid/rest/disk_usage_json.h"
#include "services/apid/rest/handlers.h"
#include "services/apid/rest/system_json.h"
#include "spdlog/spdlog.h"

namespace berth::apid::rest {

absl::Status SendJson(ResponseWriter& w, int status, const std::string& json) {
  return w.Send(status, {{"Content-Type", "application/json"}}, json + "\n");
}

namespace {

const Headers& PingHeaders() {
  static const Headers kHeaders = {
      {"Builder-Version", "1"},
      {"Swarm", "inactive"},
      {"Cache-Control", "no-cache, no-store, must-revalidate"},
      {"Pragma", "no-cache"},
      {"Content-Type", "text/plain; charset=utf-8"},
  };
  return kHeaders;
}

}  // namespace

void RegisterSystemRoutes(Router& router, RestDeps& deps) {
  router.Add("GET", "/_ping",
             [](HandlerContext& ctx) { return ctx.response.Send(200, PingHeaders(), "OK"); });
  router.Add("HEAD", "/_ping",
             [](HandlerContext& ctx) { return ctx.response.Send(200, PingHeaders(), ""); });
  router.Add("GET", "/version", [&deps](HandlerContext& ctx) {
    return SendJson(ctx.response, 200,
                    VersionJson(deps.system.Version(), deps.system.facts(), deps.build_time));
  });
  router.Add("GET", "/info", [&deps](HandlerContext& ctx) {
    InfoResult result = deps.system.Info();
    for (const std::string& w : result.warnings) spdlog::warn("/info: {}", w);
    return SendJson(ctx.response, 200,
                    InfoJson(result.info, deps.system.facts(), result.warnings));
  });
  router.Add("GET", "/system/df", [&deps](HandlerContext& ctx) -> absl::Status {
    BERTH_ASSIGN_OR_RETURN(v1::DiskUsageResponse usage, deps.system.DiskUsage());
    return SendJson(ctx.response, 200, DiskUsageJson(usage, absl::Now()));
  });
}

void RegisterAllRoutes(Router& router, RestDeps& deps) {
  RegisterSystemRoutes(router, deps);
  RegisterContainerRoutes(router, deps);
  RegisterContainerStreamRoutes(router, deps);
  RegisterImageRoutes(router, deps);
  RegisterStatsRoutes(router, deps);
  RegisterEventRoutes(router, deps);
  RegisterExecRoutes(router, deps);
  RegisterVolumeRoutes(router, deps);
  RegisterBuildRoutes(router, deps);
  RegisterNetworkRoutes(router, deps);
  RegisterImageStoreRoutes(router, deps);
  RegisterContainerFileRoutes(router, deps);
  RegisterContainerOpsRoutes(router, deps);
  RegisterNotImplementedRoutes(router);
}

}  // namespace berth::apid::rest
