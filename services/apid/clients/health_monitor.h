#pragma once

// Asks each backing service's grpc.health.v1 whether it is serving. Info (gRPC)
// and /info (REST) report the result; a background loop keeps the
// berth_apid_backend_up gauge fresh and logs when a service goes down or
// comes back.

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace berth::apid {

class ApidMetrics;

struct ServiceHealthResult {
  std::string name;
  bool serving = false;
  std::string error;  // why not serving
};

class HealthMonitor {
 public:
  // One probe per service: OK when serving, else the reason.
  using Probe = std::function<absl::Status()>;

  // `metrics` may be null (tests).
  HealthMonitor(std::vector<std::pair<std::string, Probe>> probes, ApidMetrics* metrics);
  ~HealthMonitor();

  // Probes every service now (in order), updates the gauges and logs changes.
  std::vector<ServiceHealthResult> CheckAll();

  // Probes every `interval` on a background thread until destruction.
  void StartPeriodic(std::chrono::milliseconds interval);

 private:
  std::vector<std::pair<std::string, Probe>> probes_;
  ApidMetrics* metrics_;
  absl::Mutex mu_;
  std::map<std::string, bool> last_serving_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace berth::apid
