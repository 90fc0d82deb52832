#pragma once

// apid's metric families, built once in main and passed to whoever records.

#include <string>

namespace prometheus {
class Registry;
template <typename T>
class Family;
class Counter;
class Gauge;
class Histogram;
}  // namespace prometheus

namespace berth::apid {

class ApidMetrics {
 public:
  explicit ApidMetrics(prometheus::Registry& registry);

  // One REST request. `route` is the pattern ("/containers/{id}/json"), never
  // the path, so label values stay bounded.
  void RecordHttpRequest(const std::string& method, const std::string& route, int code,
                         double seconds);

  // 1 when `service`'s health check answered SERVING, else 0.
  void SetBackendUp(const std::string& service, bool up);

  // One finished build: its result, its wall time, and how many of its
  // steps ran and how many came from the layer cache.
  void RecordBuild(bool ok, double seconds, int steps_run, int steps_cached);

 private:
  prometheus::Family<prometheus::Counter>& http_requests_;
  prometheus::Family<prometheus::Histogram>& http_duration_;
  prometheus::Family<prometheus::Gauge>& backend_up_;
  prometheus::Family<prometheus::Counter>& builds_;
  prometheus::Family<prometheus::Counter>& build_steps_;
  prometheus::Family<prometheus::Histogram>& build_duration_;
};

}  // namespace berth::apid
