#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/grpc/server_runner.h"

namespace grpc {
class Service;
}

namespace berth::metrics {
class MetricsServer;
}

namespace berth::daemon {

// Parses flags (handles --help and --version), blocks termination signals and
// sets up logging from --log_level. Returns the positional arguments. Exits
// with status 2 on a bad flag or log level.
std::vector<char*> Init(int argc, char** argv, const std::string& name, const std::string& usage);

// Serves `services` on `listen` (a unix socket gets `access`) with health and
// per-RPC metrics (in `metrics`' registry) until SIGTERM/SIGINT, then shuts
// down gracefully.
absl::Status ServeUntilSignal(const std::string& name, const std::string& listen,
                              std::vector<grpc::Service*> services,
                              metrics::MetricsServer& metrics, SocketAccess access);

}  // namespace berth::daemon
