#include "common/daemon/daemon.h"

#include <cstdlib>
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "common/grpc/server_runner.h"
#include "common/log/log.h"
#include "common/metrics/metrics.h"
#include "common/process/signals.h"
#include "common/version/build_info.h"
#include "spdlog/spdlog.h"

ABSL_FLAG(std::string, log_level, "info",
          "Log level: trace, debug, info, warn, error, critical or off");

namespace berth::daemon {

std::vector<char*> Init(int argc, char** argv, const std::string& name, const std::string& usage) {
  process::BlockTerminationSignals();
  absl::FlagsUsageConfig config;
  config.version_string = [name]() {
    return name + " (berth) " + BuildVersion() + " commit " + BuildCommit() + "\n";
  };
  absl::SetFlagsUsageConfig(config);
  absl::SetProgramUsageMessage(usage);
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  absl::Status status = log::Init(name, absl::GetFlag(FLAGS_log_level));
  if (!status.ok()) {
    std::cerr << name << ": " << status.message() << "\n";
    std::exit(2);
  }
  return args;
}

absl::Status ServeUntilSignal(const std::string& name, const std::string& listen,
                              std::vector<grpc::Service*> services,
                              metrics::MetricsServer& metrics, SocketAccess access) {
  auto runner =
      ServerRunner::Start(name, listen, std::move(services), metrics.registry(), access);
  if (!runner.ok()) return runner.status();
  spdlog::info("{} {} ready; metrics on http://{}/metrics", name, BERTH_VERSION,
               metrics.bound_address());
  int sig = process::WaitForTerminationSignal();
  spdlog::info("signal {} received, shutting down", sig);
  (*runner)->Shutdown();
  spdlog::info("{} stopped", name);
  return absl::OkStatus();
}

}  // namespace berth::daemon
