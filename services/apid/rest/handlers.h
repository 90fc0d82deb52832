#pragma once

// Registration of the Docker REST routes, one file per resource. Handlers
// return a Status; when nothing was sent yet, the server turns an error into
// {"message":...} with the status from http_status.cc.

#include <string>

#include "services/apid/clients/clients.h"
#include "services/apid/usecases/container_service.h"
#include "services/apid/usecases/network_service.h"
#include "services/apid/usecases/system_service.h"
#include "services/apid/rest/router.h"

namespace berth::apid::rest {

// Container handlers translate to and from ContainerService and nothing
// else; images still go to imaged directly (no workflow there yet).
struct RestDeps {
  ContainerService& containers;
  SystemService& system;
  ImagedClient& imaged;
  std::string build_time;
  NetworkService& networks;
};

void RegisterSystemRoutes(Router& router, RestDeps& deps);      // system_handler.cc
void RegisterContainerRoutes(Router& router, RestDeps& deps);   // containers_handler.cc
void RegisterContainerStreamRoutes(Router& router, RestDeps& deps);  // container_streams_handler.cc
void RegisterImageRoutes(Router& router, RestDeps& deps);       // images_handler.cc
void RegisterStatsRoutes(Router& router, RestDeps& deps);       // stats_handler.cc (+ update)
void RegisterNetworkRoutes(Router& router, RestDeps& deps);     // network_handler.cc
// Docker endpoints not served yet: 501 "<feature> is not implemented yet".
void RegisterNotImplementedRoutes(Router& router);  // not_implemented_routes.cc

// All of the above, in matching order.
void RegisterAllRoutes(Router& router, RestDeps& deps);

// Sends `json` with Content-Type application/json.
absl::Status SendJson(ResponseWriter& w, int status, const std::string& json);

}  // namespace berth::apid::rest

namespace berth::apid::rest {

// POST /start's exception to the table: a failed start is 400 with the
// executor's text (the CLI turns "executable file not found" into exit 127),
// except NotFound (404) and a backend being down (503).
int StartErrorHttpStatus(const absl::Status& status);

}  // namespace berth::apid::rest
