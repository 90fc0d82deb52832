#include "services/runtimed/container_metrics.h"

#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "services/runtimed/container_state.h"
#include "spdlog/spdlog.h"
#include "common/time/proto_time.h"

namespace berth::runtimed {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

constexpr double kNsPerSecond = 1e9;

// Collects the families in a fixed order; a family with no sample is left
// out of the exposition (promtool and Prometheus accept either).
class Families {
 public:
  void Add(const std::string& name, const std::string& help, MetricType type,
           std::vector<ClientMetric::Label> labels, double value) {
    auto [it, inserted] = index_.try_emplace(name, families_.size());
    if (inserted) {
      MetricFamily family;
      family.name = name;
      family.help = help;
      family.type = type;
      families_.push_back(std::move(family));
    }
    ClientMetric metric;
    metric.label = std::move(labels);
    if (type == MetricType::Counter) {
      metric.counter.value = value;
    } else {
      metric.gauge.value = value;
    }
    families_[it->second].metric.push_back(std::move(metric));
  }

  std::vector<MetricFamily> Take() { return std::move(families_); }

 private:
  std::vector<MetricFamily> families_;
  std::map<std::string, size_t> index_;
};

uint64_t StatOr0(const v1::ContainerStats& s, const char* key) {
  auto it = s.memory_stat().find(key);
  return it == s.memory_stat().end() ? 0 : it->second;
}

// cAdvisor's working set: usage minus the inactive page cache, which the
// kernel can drop without an OOM kill (v1 names it total_inactive_file).
uint64_t WorkingSet(const v1::ContainerStats& s) {
  uint64_t inactive = s.cgroup_version() == 2 ? StatOr0(s, "inactive_file")
                                               : StatOr0(s, "total_inactive_file");
  return s.memory_usage() > inactive ? s.memory_usage() - inactive : 0;
}

uint64_t Cache(const v1::ContainerStats& s) {
  return s.cgroup_version() == 2 ? StatOr0(s, "file") : StatOr0(s, "total_cache");
}

uint64_t Rss(const v1::ContainerStats& s) {
  return s.cgroup_version() == 2 ? StatOr0(s, "anon") : StatOr0(s, "total_rss");
}

void AddResourceSeries(Families& out, const v1::Container& record, const v1::ContainerStats& s,
                       const std::vector<ClientMetric::Label>& labels) {
  auto with = [&](std::initializer_list<ClientMetric::Label> extra) {
    std::vector<ClientMetric::Label> all = labels;
    all.insert(all.end(), extra);
    return all;
  };
  const MetricType kCounter = MetricType::Counter;
  const MetricType kGauge = MetricType::Gauge;
  out.Add("container_cpu_usage_seconds_total", "Cumulative CPU time consumed in seconds.",
          kCounter, labels, s.cpu_total_ns() / kNsPerSecond);
  out.Add("container_cpu_user_seconds_total", "Cumulative user CPU time consumed in seconds.",
          kCounter, labels, s.cpu_user_ns() / kNsPerSecond);
  out.Add("container_cpu_system_seconds_total", "Cumulative system CPU time consumed in seconds.",
          kCounter, labels, s.cpu_system_ns() / kNsPerSecond);
  out.Add("container_cpu_cfs_periods_total", "Number of elapsed enforcement period intervals.",
          kCounter, labels, static_cast<double>(s.throttling_periods()));
  out.Add("container_cpu_cfs_throttled_periods_total", "Number of throttled period intervals.",
          kCounter, labels, static_cast<double>(s.throttled_periods()));
  out.Add("container_cpu_cfs_throttled_seconds_total",
          "Total time duration the container has been throttled.", kCounter, labels,
          s.throttled_ns() / kNsPerSecond);
  out.Add("container_memory_usage_bytes",
          "Current memory usage in bytes, including all memory regardless of when it was "
          "accessed.",
          kGauge, labels, static_cast<double>(s.memory_usage()));
  out.Add("container_memory_working_set_bytes", "Current working set in bytes.", kGauge, labels,
          static_cast<double>(WorkingSet(s)));
  out.Add("container_memory_cache", "Number of bytes of page cache memory.", kGauge, labels,
          static_cast<double>(Cache(s)));
  out.Add("container_memory_rss", "Size of RSS in bytes.", kGauge, labels,
          static_cast<double>(Rss(s)));
  // A gauge, not cAdvisor's counter: a counter without "_total" fails
  // promtool's lint, and the name is cAdvisor's.
  out.Add("container_memory_failcnt", "Number of memory usage hits limits.", kGauge, labels,
          static_cast<double>(s.memory_failcnt()));
  // The configured limit, 0 when unlimited (as cAdvisor), not the host's
  // memory that `docker stats` shows in that case.
  out.Add("container_spec_memory_limit_bytes", "Memory limit for the container.", kGauge, labels,
          static_cast<double>(std::max<int64_t>(record.config().resources().memory(), 0)));
  out.Add("container_oom_events_total", "Count of out of memory events observed for the container.",
          kCounter, labels, static_cast<double>(s.oom_kills()));
  out.Add("container_threads", "Number of threads running inside the container.", kGauge, labels,
          static_cast<double>(s.pids_current()));
  out.Add("container_threads_max",
          "Maximum number of threads allowed inside the container, infinity if value is zero.",
          kGauge, labels, static_cast<double>(s.pids_limit()));
  for (const v1::BlkioStat& b : s.io_service_bytes()) {
    out.Add("container_blkio_device_usage_total", "Blkio device bytes usage.", kCounter,
            with({{"major", absl::StrCat(b.major())},
                  {"minor", absl::StrCat(b.minor())},
                  {"operation", b.op()}}),
            static_cast<double>(b.value()));
  }
  for (const v1::NetworkStats& n : s.networks()) {
    auto iface = with({{"interface", n.interface()}});
    out.Add("container_network_receive_bytes_total", "Cumulative count of bytes received.",
            kCounter, iface, static_cast<double>(n.rx_bytes()));
    out.Add("container_network_receive_packets_total", "Cumulative count of packets received.",
            kCounter, iface, static_cast<double>(n.rx_packets()));
    out.Add("container_network_receive_errors_total",
            "Cumulative count of errors encountered while receiving.", kCounter, iface,
            static_cast<double>(n.rx_errors()));
    out.Add("container_network_receive_packets_dropped_total",
            "Cumulative count of packets dropped while receiving.", kCounter, iface,
            static_cast<double>(n.rx_dropped()));
    out.Add("container_network_transmit_bytes_total", "Cumulative count of bytes transmitted.",
            kCounter, iface, static_cast<double>(n.tx_bytes()));
    out.Add("container_network_transmit_packets_total",
            "Cumulative count of packets transmitted.", kCounter, iface,
            static_cast<double>(n.tx_packets()));
    out.Add("container_network_transmit_errors_total",
            "Cumulative count of errors encountered while transmitting.", kCounter, iface,
            static_cast<double>(n.tx_errors()));
    out.Add("container_network_transmit_packets_dropped_total",
            "Cumulative count of packets dropped while transmitting.", kCounter, iface,
            static_cast<double>(n.tx_dropped()));
  }
}

}  // namespace

std::vector<prometheus::MetricFamily> ContainerMetricFamilies(
    const std::vector<ContainerSample>& samples) {
  Families out;
  for (const ContainerSample& sample : samples) {
    const v1::Container& record = sample.record;
    std::vector<ClientMetric::Label> labels = {
        {"id", record.id()}, {"name", record.name()}, {"image", record.config().image()}};
    auto with_state = labels;
    with_state.push_back({"state", StatusName(record.state().status())});
    out.Add("berth_container_info", "A container runtimed knows, by state (always 1).",
            MetricType::Gauge, with_state, 1);
    out.Add("berth_container_restarts_total",
            "Times the container was restarted by its restart policy.", MetricType::Counter,
            labels, record.restart_count());
    if (IsRunning(record.state().status())) {
      const auto& started = record.state().started_at();
      out.Add("container_start_time_seconds", "Start time of the container since unix epoch in seconds.",
              MetricType::Gauge, labels, absl::ToUnixNanos(FromTimestamp(started)) / kNsPerSecond);
    }
    if (sample.stats.has_value() && sample.stats->running()) {
      AddResourceSeries(out, record, *sample.stats, labels);
    }
  }
  return out.Take();
}

std::vector<prometheus::MetricFamily> ContainerMetricsCollector::Collect() const {
  std::vector<ContainerSample> samples;
  for (v1::Container& record : list_()) {
    ContainerSample sample{std::move(record), std::nullopt};
    if (IsRunning(sample.record.state().status())) {
      absl::StatusOr<v1::ContainerStats> stats = read_stats_(sample.record);
      if (stats.ok()) {
        sample.stats = *std::move(stats);
      } else {
        // It may have exited between the list and the read.
        spdlog::debug("container={} metrics: {}", sample.record.id().substr(0, 12),
                      stats.status().ToString());
      }
    }
    samples.push_back(std::move(sample));
  }
  return ContainerMetricFamilies(samples);
}

}  // namespace berth::runtimed
