// runtimed: flags → config → objects → serve. No logic here.
#include <unistd.h>

#include <filesystem>
#include <string>

#include "absl/cleanup/cleanup.h"
#include "absl/flags/flag.h"
#include "common/daemon/daemon.h"
#include "common/metrics/metrics.h"
#include "services/runtimed/container_manager.h"
#include "services/runtimed/container_metrics.h"
#include "services/runtimed/container_stats.h"
#include "services/runtimed/exec_manager.h"
#include "services/runtimed/health/health_monitor.h"
#include "services/runtimed/metrics.h"
#include "services/runtimed/runtimed_service.h"
#include "services/runtimed/shim_runtime_berth.h"
#include "spdlog/spdlog.h"

ABSL_FLAG(std::string, listen, "unix:///run/berth/runtimed.sock", "gRPC listen address");
ABSL_FLAG(std::string, metrics_address, "127.0.0.1:9413",
          "Prometheus /metrics address (port 0 picks a free port)");
ABSL_FLAG(std::string, metrics_address_file, "",
          "If set, the bound metrics address is written to this file");
ABSL_FLAG(std::string, state_dir, "/var/lib/berth/runtimed", "State directory owned by runtimed");
ABSL_FLAG(std::string, run_dir, "/run/berth", "Runtime directory (sockets, namespaces)");
ABSL_FLAG(int64_t, default_pids_limit, 4096,
          "pids.max of every container (stops fork bombs); 0 for no limit");
ABSL_FLAG(std::string, shim_path, "",
          "The berth-shim binary (default: berth-shim next to the runtimed binary)");

namespace {

std::string DefaultShimPath() {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "berth-shim";
  return (self.parent_path() / "berth-shim").string();
}

}  // namespace

int main(int argc, char** argv) {
  berth::daemon::Init(argc, argv, "runtimed", "Berth runtimed service");
  auto metrics = berth::metrics::MetricsServer::Start(absl::GetFlag(FLAGS_metrics_address),
                                                      absl::GetFlag(FLAGS_metrics_address_file));
  if (!metrics.ok()) {
    spdlog::critical("{}", metrics.status().ToString());
    return 1;
  }
  berth::runtimed::RuntimedMetrics runtimed_metrics((*metrics)->registry());
  std::string shim_path = absl::GetFlag(FLAGS_shim_path);
  if (shim_path.empty()) shim_path = DefaultShimPath();
  if (access(shim_path.c_str(), X_OK) != 0) {
    spdlog::critical("berth-shim not executable at '{}' (--shim_path)", shim_path);
    return 1;
  }
  auto host = berth::runtimed::spec::HostFacts::OfThisProcess();
  host.default_pids_limit = absl::GetFlag(FLAGS_default_pids_limit);
  if (host.default_pids_limit < 0) {
    spdlog::critical("--default_pids_limit must be 0 (none) or positive");
    return 1;
  }
  auto manager = berth::runtimed::ContainerManager::Create(
      {absl::GetFlag(FLAGS_state_dir), absl::GetFlag(FLAGS_run_dir), shim_path, host},
      &runtimed_metrics);
  if (!manager.ok()) {
    spdlog::critical("{}", manager.status().ToString());
    return 1;
  }
  // Exec shims keep their (short-lived) files under the run dir, keyed by
  // exec id: <run>/exec/containers/<exec>/ and <run>/exec/runtimed/<exec>/.
  const std::string run_dir = absl::GetFlag(FLAGS_run_dir);
  berth::runtimed::Paths exec_paths(run_dir + "/exec", run_dir + "/exec");
  berth::runtimed::ExecManager execs(
      **manager, berth::runtimed::Paths(absl::GetFlag(FLAGS_state_dir), run_dir), exec_paths,
      std::make_shared<berth::runtimed::BerthShimRuntime>(exec_paths, shim_path), host,
      &runtimed_metrics);
  // Per-container series, read at every scrape; removed before the manager
  // they read from goes (removal waits for a scrape in progress).
  auto container_metrics = std::make_shared<berth::runtimed::ContainerMetricsCollector>(
      [containers = manager->get()] { return containers->ListContainers(/*all=*/true); },
      [](const berth::v1::Container& record) { return berth::runtimed::ReadContainerUsage(record); });
  (*metrics)->AddCollectable(container_metrics);
  absl::Cleanup stop_container_metrics = [&] { (*metrics)->RemoveCollectable(container_metrics); };
  // Healthchecks run as execs; the monitor picks up running containers.
  berth::runtimed::health::ExecProbeRunner probes(execs);
  berth::runtimed::health::HealthMonitor health(**manager, probes,
                                                std::make_shared<berth::RealClock>());
  health.Start();
  berth::runtimed::RuntimedService service(**manager, &execs);
  absl::Status status = berth::daemon::ServeUntilSignal(
      "runtimed", absl::GetFlag(FLAGS_listen), {&service}, **metrics,
      berth::SocketAccess::kOwnerOnly);
  if (!status.ok()) {
    spdlog::critical("{}", status.ToString());
    return 1;
  }
  return 0;
}
