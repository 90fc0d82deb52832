// Per-container series on runtimed's /metrics, read at scrape time: CPU,
// memory, threads, block I/O and network figures of every running container
// under cAdvisor's names (container_cpu_usage_seconds_total, ...), so
// dashboards and alerts written for cAdvisor work unchanged, plus
// berth_container_info and restarts for every container runtimed knows.
//
// Nothing is cached between scrapes: a removed container has no record, so
// its series are gone from the next scrape on. The cost is one cgroup read
// and one /proc/<pid>/net/dev read per running container per scrape.
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include "absl/status/statusor.h"
#include "berth/v1/types.pb.h"

namespace berth::runtimed {

// One container at scrape time: its record, and its figures when it runs
// and they could be read.
struct ContainerSample {
  v1::Container record;
  std::optional<v1::ContainerStats> stats;
};

// The metric families for `samples`, labelled id (full container id), name
// and image (the reference the container was created from). Pure: unit tests
// feed it records and stats.
std::vector<prometheus::MetricFamily> ContainerMetricFamilies(
    const std::vector<ContainerSample>& samples);

class ContainerMetricsCollector : public prometheus::Collectable {
 public:
  using ListContainers = std::function<std::vector<v1::Container>()>;
  using ReadStats = std::function<absl::StatusOr<v1::ContainerStats>(const v1::Container&)>;

  ContainerMetricsCollector(ListContainers list, ReadStats read_stats)
      : list_(std::move(list)), read_stats_(std::move(read_stats)) {}

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  ListContainers list_;
  ReadStats read_stats_;
};

}  // namespace berth::runtimed
