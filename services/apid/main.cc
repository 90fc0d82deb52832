// apid: flags → config → objects → serve. No logic here.
#include <chrono>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/time/time.h"
#include "common/daemon/daemon.h"
#include "common/grpc/channel.h"
#include "common/metrics/metrics.h"
#include "services/apid/clients/grpc_clients.h"
#include "services/apid/clients/health_monitor.h"
#include "services/apid/usecases/background.h"
#include "services/apid/usecases/container_service.h"
#include "services/apid/usecases/system_service.h"
#include "services/apid/grpc/berth_service.h"
#include "services/apid/metrics.h"
#include "services/apid/rest/handlers.h"
#include "services/apid/rest/http_server.h"
#include "services/apid/system_info.h"
#include "spdlog/spdlog.h"

ABSL_FLAG(std::string, listen, "unix:///run/berth/api.sock", "gRPC listen address");
ABSL_FLAG(std::string, docker_socket, "unix:///run/berth/docker.sock",
          "Docker Engine REST API address (unix:// only)");
ABSL_FLAG(int, docker_max_connections, 512,
          "Open Docker API connections; more are answered 503 and closed (each costs a "
          "descriptor: keep it below the open-files limit)");
ABSL_FLAG(int, docker_max_requests, 256,
          "Docker API requests handled at once (each holds a thread; attach, wait and "
          "logs -f hold one while they last); more are answered 503");
ABSL_FLAG(absl::Duration, docker_header_timeout, absl::Seconds(30),
          "A Docker API client must send a request's whole header within this");
ABSL_FLAG(absl::Duration, docker_idle_timeout, absl::Seconds(120),
          "An idle kept-alive Docker API connection is closed after this");
ABSL_FLAG(absl::Duration, docker_body_read_timeout, absl::Seconds(60),
          "Longest wait for the next bytes of a Docker API request body (then 408)");
ABSL_FLAG(std::string, metrics_address, "127.0.0.1:9410",
          "Prometheus /metrics address (port 0 picks a free port)");
ABSL_FLAG(std::string, metrics_address_file, "",
          "If set, the bound metrics address is written to this file");
ABSL_FLAG(std::string, state_dir, "/var/lib/berth/apid", "State directory owned by apid");
ABSL_FLAG(std::string, run_dir, "/run/berth", "Runtime directory (sockets, namespaces)");
ABSL_FLAG(std::string, imaged_address, "unix:///run/berth/imaged.sock", "imaged's gRPC address");
ABSL_FLAG(std::string, netd_address, "unix:///run/berth/netd.sock", "netd's gRPC address");
ABSL_FLAG(std::string, runtimed_address, "unix:///run/berth/runtimed.sock",
          "runtimed's gRPC address");
ABSL_FLAG(int, reconcile_interval_seconds, 30,
          "How often apid cleans up snapshots and endpoints that belong to no container");

#ifndef APID_BUILD_TIME
#define APID_BUILD_TIME ""
#endif

namespace {

int Run() {
  using berth::apid::HealthMonitor;
  auto metrics_server = berth::metrics::MetricsServer::Start(
      absl::GetFlag(FLAGS_metrics_address), absl::GetFlag(FLAGS_metrics_address_file));
  if (!metrics_server.ok()) {
    spdlog::critical("{}", metrics_server.status().ToString());
    return 1;
  }
  berth::apid::ApidMetrics metrics((*metrics_server)->registry());

  auto imaged_channel = berth::MakeChannel(absl::GetFlag(FLAGS_imaged_address));
  auto netd_channel = berth::MakeChannel(absl::GetFlag(FLAGS_netd_address));
  auto runtimed_channel = berth::MakeChannel(absl::GetFlag(FLAGS_runtimed_address));
  auto imaged = berth::apid::NewGrpcImagedClient(imaged_channel);
  auto netd = berth::apid::NewGrpcNetdClient(netd_channel);
  auto runtimed = berth::apid::NewGrpcRuntimedClient(runtimed_channel);

  auto probe = [](std::shared_ptr<grpc::Channel> channel) {
    return [channel] { return berth::CheckHealth(*channel, std::chrono::seconds(2)); };
  };
  HealthMonitor health({{"imaged", probe(imaged_channel)},
                        {"netd", probe(netd_channel)},
                        {"runtimed", probe(runtimed_channel)}},
                       &metrics);
  health.StartPeriodic(std::chrono::seconds(10));

  const std::string state_dir = absl::GetFlag(FLAGS_state_dir);
  if (absl::Status opened = berth::apid::OpenStateDir(state_dir); !opened.ok()) {
    spdlog::critical("{}", opened.ToString());
    return 1;
  }
  auto engine_id = berth::apid::LoadOrCreateEngineId(state_dir);
  if (!engine_id.ok()) {
    spdlog::critical("state dir {}: {}", state_dir, engine_id.status().ToString());
    return 1;
  }
  berth::apid::SystemService system(berth::apid::ReadHostFacts(), *engine_id, state_dir,
                                    *imaged, *runtimed, health);
  // Faces → use cases → clients: both faces translate into `containers`.
  berth::apid::ContainerService containers(*imaged, *netd, *runtimed);
  berth::apid::NetworkService networks(*netd, *runtimed);
  berth::apid::BackgroundTasks background(
      containers, *runtimed, std::chrono::seconds(absl::GetFlag(FLAGS_reconcile_interval_seconds)));
  background.Start();

  berth::apid::rest::Router router;
  berth::apid::EventService events(*runtimed, *imaged, nullptr, netd.get());
  berth::apid::ExecService execs(*runtimed);
  berth::apid::VolumeService volumes(*runtimed);
  berth::apid::builder::BuildCache build_cache(state_dir + "/build-cache.json");
  berth::apid::BuildService builds(*imaged, containers, build_cache, &metrics);
  berth::apid::rest::RestDeps deps{containers, system, *imaged,  APID_BUILD_TIME, events,
                                   networks,   &execs, &volumes, &builds};
  berth::apid::ContainerFileService files(*imaged, *runtimed, containers.locks());
  deps.files = &files;
  berth::apid::ImageService images(*imaged);
  deps.images = &images;
  berth::apid::rest::RegisterAllRoutes(router, deps);
  berth::apid::rest::HttpServerOptions http_options;
  http_options.max_connections = absl::GetFlag(FLAGS_docker_max_connections);
  http_options.max_requests = absl::GetFlag(FLAGS_docker_max_requests);
  http_options.header_timeout = absl::GetFlag(FLAGS_docker_header_timeout);
  http_options.idle_timeout = absl::GetFlag(FLAGS_docker_idle_timeout);
  http_options.body_read_timeout = absl::GetFlag(FLAGS_docker_body_read_timeout);
  auto http = berth::apid::rest::HttpServer::Start(absl::GetFlag(FLAGS_docker_socket), router,
                                                   &metrics, http_options);
  if (!http.ok()) {
    spdlog::critical("{}", http.status().ToString());
    return 1;
  }
  spdlog::info("Docker API on {}", absl::GetFlag(FLAGS_docker_socket));

  berth::apid::BerthService service(containers, system, *imaged, events, networks, &execs,
                                    &volumes, &builds);
  service.SetFileService(&files);
  service.SetImageService(&images);
  absl::Status status = berth::daemon::ServeUntilSignal("apid", absl::GetFlag(FLAGS_listen),
                                                        {&service}, **metrics_server,
                                                        berth::SocketAccess::kGroup);
  if (!status.ok()) {
    spdlog::critical("{}", status.ToString());
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  berth::daemon::Init(argc, argv, "apid", "Berth apid service");
  return Run();
}
