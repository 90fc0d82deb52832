#include "services/apid/clients/health_monitor.h"

#include "services/apid/metrics.h"
#include "spdlog/spdlog.h"

namespace berth::apid {

HealthMonitor::HealthMonitor(std::vector<std::pair<std::string, Probe>> probes,
                             ApidMetrics* metrics)
    : probes_(std::move(probes)), metrics_(metrics) {}

HealthMonitor::~HealthMonitor() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

std::vector<ServiceHealthResult> HealthMonitor::CheckAll() {
  std::vector<ServiceHealthResult> results;
  for (auto& [name, probe] : probes_) {
    absl::Status status = probe();
    ServiceHealthResult result{name, status.ok(), std::string(status.message())};
    if (metrics_ != nullptr) metrics_->SetBackendUp(name, result.serving);
    {
      absl::MutexLock lock(&mu_);
      auto it = last_serving_.find(name);
      bool changed = it == last_serving_.end() ? !result.serving : it->second != result.serving;
      last_serving_[name] = result.serving;
      if (changed && !result.serving) {
        spdlog::warn("backend {} is not serving: {}", name, result.error);
      } else if (changed) {
        spdlog::info("backend {} is serving again", name);
      }
    }
    results.push_back(std::move(result));
  }
  return results;
}

void HealthMonitor::StartPeriodic(std::chrono::milliseconds interval) {
  thread_ = std::thread([this, interval] {
    while (true) {
      CheckAll();
      absl::MutexLock lock(&mu_);
      if (mu_.AwaitWithTimeout(absl::Condition(&stop_),
                               absl::Milliseconds(interval.count()))) {
        return;
      }
    }
  });
}

}  // namespace berth::apid
