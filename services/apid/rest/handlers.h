#pragma once

// Registration of the Docker REST routes, one file per resource. Handlers
// return a Status; when nothing was sent yet, the server turns an error into
// {"message":...} with the status from http_status.cc.

#include <string>

#include "services/apid/clients/clients.h"
#include "services/apid/usecases/build_service.h"
#include "services/apid/usecases/container_files.h"
#include "services/apid/usecases/container_service.h"
#include "services/apid/usecases/event_service.h"
#include "services/apid/usecases/exec_service.h"
#include "services/apid/usecases/network_service.h"
#include "services/apid/usecases/system_service.h"
#include "services/apid/usecases/volume_service.h"
#include "services/apid/usecases/image_service.h"
#include "services/apid/rest/router.h"

namespace berth::apid::rest {

// Container handlers translate to and from ContainerService and nothing
// else; images still go to imaged directly (no workflow there yet).
struct RestDeps {
  ContainerService& containers;
  SystemService& system;
  ImagedClient& imaged;
  std::string build_time;
  EventService& events;
  NetworkService& networks;
  ExecService* execs = nullptr;  // null: the exec routes answer 501
  // The /volumes routes answer 503 without it.
  VolumeService* volumes = nullptr;
  // POST /build; null leaves the route answering 501 (tests without a builder).
  BuildService* builds = nullptr;
  // docker cp, export, diff, commit; null: those routes answer 501.
  ContainerFileService* files = nullptr;
  // Every /images route and /auth (usecases/image_service.h); must be set.
  ImageService* images = nullptr;
};

// A route handler over the shared dependencies: router.Add(..., Bind(deps, List)).
inline Handler Bind(RestDeps& deps, absl::Status (*fn)(RestDeps&, HandlerContext&)) {
  return [&deps, fn](HandlerContext& ctx) { return fn(deps, ctx); };
}

void RegisterSystemRoutes(Router& router, RestDeps& deps);      // system_handler.cc
void RegisterContainerRoutes(Router& router, RestDeps& deps);   // containers_handler.cc
void RegisterContainerStreamRoutes(Router& router, RestDeps& deps);  // container_streams_handler.cc
void RegisterImageRoutes(Router& router, RestDeps& deps);       // images_handler.cc
void RegisterStatsRoutes(Router& router, RestDeps& deps);       // stats_handler.cc (+ update)
void RegisterEventRoutes(Router& router, RestDeps& deps);       // events_handler.cc
void RegisterExecRoutes(Router& router, RestDeps& deps);        // exec_handler.cc
void RegisterVolumeRoutes(Router& router, RestDeps& deps);      // volumes_handler.cc
void RegisterBuildRoutes(Router& router, RestDeps& deps);       // build_handler.cc
void RegisterNetworkRoutes(Router& router, RestDeps& deps);     // network_handler.cc
void RegisterImageStoreRoutes(Router& router, RestDeps& deps);  // image_store_handler.cc
void RegisterContainerFileRoutes(Router& router, RestDeps& deps);  // archive_handler.cc
void RegisterContainerOpsRoutes(Router& router, RestDeps& deps);  // container_ops_handler.cc
// Docker endpoints not served yet: 501 "<feature> is not implemented yet".
void RegisterNotImplementedRoutes(Router& router);  // not_implemented_routes.cc

// All of the above, in matching order.
void RegisterAllRoutes(Router& router, RestDeps& deps);

// One event as dockerd's /events stream writes it (newline-terminated).
std::string EventJson(const v1::Event& event);

// Sends `json` with Content-Type application/json.
absl::Status SendJson(ResponseWriter& w, int status, const std::string& json);

}  // namespace berth::apid::rest

namespace berth::apid::rest {

// POST /start's exception to the table: a failed start is 400 with the
// executor's text (the CLI turns "executable file not found" into exit 127),
// except NotFound (404) and a backend being down (503).
int StartErrorHttpStatus(const absl::Status& status);

}  // namespace berth::apid::rest
