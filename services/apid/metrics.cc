#include "services/apid/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace berth::apid {

ApidMetrics::ApidMetrics(prometheus::Registry& registry)
    : http_requests_(prometheus::BuildCounter()
                         .Name("berth_apid_http_requests_total")
                         .Help("Docker REST requests by method, route pattern and status code")
                         .Register(registry)),
      http_duration_(prometheus::BuildHistogram()
                         .Name("berth_apid_http_request_duration_seconds")
                         .Help("Docker REST request latency (streams: until the response ends)")
                         .Register(registry)),
      backend_up_(prometheus::BuildGauge()
                      .Name("berth_apid_backend_up")
                      .Help("1 when the backing service answers its health check")
                      .Register(registry)),
      builds_(prometheus::BuildCounter()
                  .Name("berth_apid_builds_total")
                  .Help("Image builds by result (ok, failed)")
                  .Register(registry)),
      build_steps_(prometheus::BuildCounter()
                       .Name("berth_apid_build_steps_total")
                       .Help("Dockerfile steps of finished builds: run, or cached (layer cache)")
                       .Register(registry)),
      build_duration_(prometheus::BuildHistogram()
                          .Name("berth_apid_build_duration_seconds")
                          .Help("Wall time of a build, from the parsed Dockerfile to its end")
                          .Register(registry)) {}

void ApidMetrics::RecordBuild(bool ok, double seconds, int steps_run, int steps_cached) {
  builds_.Add({{"result", ok ? "ok" : "failed"}}).Increment();
  build_steps_.Add({{"kind", "run"}}).Increment(steps_run);
  build_steps_.Add({{"kind", "cached"}}).Increment(steps_cached);
  static const prometheus::Histogram::BucketBoundaries kBuckets = {0.1, 0.5, 1, 2, 5,
                                                                    10, 30, 60, 300, 1800};
  build_duration_.Add({}, kBuckets).Observe(seconds);
}

void ApidMetrics::RecordHttpRequest(const std::string& method, const std::string& route,
                                    int code, double seconds) {
  http_requests_.Add({{"method", method}, {"route", route}, {"code", std::to_string(code)}})
      .Increment();
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120};
  http_duration_.Add({{"method", method}, {"route", route}}, kBuckets).Observe(seconds);
}

void ApidMetrics::SetBackendUp(const std::string& service, bool up) {
  backend_up_.Add({{"service", service}}).Set(up ? 1 : 0);
}

}  // namespace berth::apid
