#include "common/metrics/metrics.h"

#include <prometheus/exposer.h>
#include <prometheus/registry.h>

#include "absl/strings/str_cat.h"
#include "common/fs/fs.h"
#include "common/metrics/process_collector.h"
#include "common/status/status.h"

namespace berth::metrics {

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(
    const std::string& address, const std::string& address_file) {
  std::unique_ptr<MetricsServer> server(new MetricsServer());
  server->registry_ = std::make_shared<prometheus::Registry>();
  try {
    server->exposer_ = std::make_unique<prometheus::Exposer>(address);
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve metrics on '", address, "': ", e.what()));
  }
  server->exposer_->RegisterCollectable(server->registry_);
  server->process_collector_ = std::make_shared<ProcessCollector>();
  server->exposer_->RegisterCollectable(server->process_collector_);
  std::string host = address.substr(0, address.rfind(':'));
  auto ports = server->exposer_->GetListeningPorts();
  server->bound_address_ = absl::StrCat(host, ":", ports.empty() ? 0 : ports.front());
  if (!address_file.empty()) {
    BERTH_RETURN_IF_ERROR(fs::WriteFileAtomically(address_file, server->bound_address_ + "\n"));
  }
  return server;
}

MetricsServer::~MetricsServer() = default;

}  // namespace berth::metrics
