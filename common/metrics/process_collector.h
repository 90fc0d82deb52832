#pragma once

#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

namespace berth::metrics {

// The standard process_* metrics (CPU seconds, resident and virtual memory,
// open fds, start time, threads) read from /proc/self at every scrape.
class ProcessCollector : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override;
};

}  // namespace berth::metrics
