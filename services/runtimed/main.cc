// runtimed: flags → config → objects → serve. No logic here.
#include <string>

#include "absl/flags/flag.h"
#include "berth/v1/runtimed.grpc.pb.h"
#include "common/daemon/daemon.h"
#include "common/metrics/metrics.h"
#include "spdlog/spdlog.h"

ABSL_FLAG(std::string, listen, "unix:///run/berth/runtimed.sock", "gRPC listen address");
ABSL_FLAG(std::string, metrics_address, "127.0.0.1:9413",
          "Prometheus /metrics address (port 0 picks a free port)");
ABSL_FLAG(std::string, metrics_address_file, "",
          "If set, the bound metrics address is written to this file");
ABSL_FLAG(std::string, state_dir, "/var/lib/berth/runtimed", "State directory owned by runtimed");
ABSL_FLAG(std::string, run_dir, "/run/berth", "Runtime directory (sockets, namespaces)");

int main(int argc, char** argv) {
  berth::daemon::Init(argc, argv, "runtimed", "Berth runtimed service");
  auto metrics = berth::metrics::MetricsServer::Start(absl::GetFlag(FLAGS_metrics_address),
                                                      absl::GetFlag(FLAGS_metrics_address_file));
  if (!metrics.ok()) {
    spdlog::critical("{}", metrics.status().ToString());
    return 1;
  }
  // TODO(issue 3): the real service; until then every RPC answers UNIMPLEMENTED.
  berth::v1::RuntimeService::Service service;
  absl::Status status = berth::daemon::ServeUntilSignal(
      "runtimed", absl::GetFlag(FLAGS_listen), {&service}, **metrics);
  if (!status.ok()) {
    spdlog::critical("{}", status.ToString());
    return 1;
  }
  return 0;
}
