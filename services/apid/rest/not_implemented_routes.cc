// Docker Engine endpoints Berth does not serve yet. They answer 501 with a
// clear "<feature> is not implemented yet" (the docker CLI prints it) instead
// of the router's generic 404 "page not found", which reads like a client bug.
//
// Exception: the lookups `docker inspect NAME` walks through after the
// container and image miss (GET /plugins/{name}/json; the real
// GET /networks/{id} and /volumes/{name} answer 404 for unknown names) must
// stay 404, or the CLI's fallback chain aborts.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/apid/rest/handlers.h"

namespace berth::apid::rest {
namespace {

struct PendingRoute {
  const char* method;
  const char* pattern;
  const char* feature;
};

// Registered after every real route, so these never shadow one.
constexpr PendingRoute kPendingRoutes[] = {
    {"POST", "/build/prune", "build prune"},
};

}  // namespace

void RegisterNotImplementedRoutes(Router& router) {
  for (const PendingRoute& route : kPendingRoutes) {
    std::string message = absl::StrCat(route.feature, " is not implemented yet");
    router.Add(route.method, route.pattern, [message](HandlerContext&) {
      return absl::UnimplementedError(message);
    });
  }
  router.Add("GET", "/plugins/{name}/json", [](HandlerContext& ctx) {
    return absl::NotFoundError(
        absl::StrCat("plugin \"", ctx.request.params["name"], "\" not found"));
  });
}

}  // namespace berth::apid::rest
