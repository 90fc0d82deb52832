#include "services/runtimed/container_metrics.h"

#include <prometheus/text_serializer.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace berth::runtimed {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

v1::Container Record(const std::string& id, const std::string& name, v1::ContainerStatus status) {
  v1::Container c;
  c.set_id(id);
  c.set_name(name);
  c.mutable_config()->set_image("busybox:latest");
  c.mutable_state()->set_status(status);
  c.mutable_state()->mutable_started_at()->set_seconds(1700000000);
  return c;
}

v1::ContainerStats RunningStats(uint32_t cgroup_version) {
  v1::ContainerStats s;
  s.set_running(true);
  s.set_cgroup_version(cgroup_version);
  s.set_cpu_total_ns(2500000000);
  s.set_memory_usage(10 << 20);
  s.set_pids_current(3);
  s.set_pids_limit(20);
  s.set_oom_kills(1);
  auto& stat = *s.mutable_memory_stat();
  if (cgroup_version == 2) {
    stat["inactive_file"] = 4 << 20;
    stat["file"] = 5 << 20;
  } else {
    stat["total_inactive_file"] = 4 << 20;
    stat["total_cache"] = 5 << 20;
  }
  v1::NetworkStats* eth0 = s.add_networks();
  eth0->set_interface("eth0");
  eth0->set_rx_bytes(1234);
  eth0->set_tx_packets(7);
  return s;
}

std::string Exposition(const std::vector<ContainerSample>& samples) {
  return prometheus::TextSerializer().Serialize(ContainerMetricFamilies(samples));
}

TEST(ContainerMetricsTest, RunningContainerHasCadvisorSeriesWithItsLabels) {
  v1::Container record = Record("abc123", "web", v1::CONTAINER_STATUS_RUNNING);
  record.mutable_config()->mutable_resources()->set_memory(32 << 20);
  std::string text = Exposition({{record, RunningStats(1)}});
  const std::string labels = R"({id="abc123",name="web",image="busybox:latest"})";
  EXPECT_THAT(text, HasSubstr("container_cpu_usage_seconds_total" + labels + " 2.5"));
  // Working set = usage - inactive file cache: 10 MiB - 4 MiB.
  EXPECT_THAT(text, HasSubstr("container_memory_working_set_bytes" + labels + " 6291456"));
  EXPECT_THAT(text, HasSubstr("container_memory_cache" + labels + " 5242880"));
  EXPECT_THAT(text, HasSubstr("container_spec_memory_limit_bytes" + labels + " 33554432"));
  EXPECT_THAT(text, HasSubstr("container_threads" + labels + " 3"));
  EXPECT_THAT(text, HasSubstr("container_threads_max" + labels + " 20"));
  EXPECT_THAT(text, HasSubstr("container_oom_events_total" + labels + " 1"));
  EXPECT_THAT(text, HasSubstr(
      R"(container_network_receive_bytes_total{id="abc123",name="web",image="busybox:latest",interface="eth0"} 1234)"));
  EXPECT_THAT(text, HasSubstr(
      R"(container_network_transmit_packets_total{id="abc123",name="web",image="busybox:latest",interface="eth0"} 7)"));
  EXPECT_THAT(text, HasSubstr("container_start_time_seconds" + labels + " 1700000000"));
  EXPECT_THAT(text, HasSubstr(
      R"(berth_container_info{id="abc123",name="web",image="busybox:latest",state="running"} 1)"));
  EXPECT_THAT(text, HasSubstr("# TYPE container_cpu_usage_seconds_total counter"));
  EXPECT_THAT(text, HasSubstr("# TYPE container_memory_working_set_bytes gauge"));
}

TEST(ContainerMetricsTest, CgroupV2UsesItsOwnMemoryStatNames) {
  std::string text =
      Exposition({{Record("v2c", "db", v1::CONTAINER_STATUS_RUNNING), RunningStats(2)}});
  EXPECT_THAT(text, HasSubstr(R"(container_memory_working_set_bytes{id="v2c",name="db",image="busybox:latest"} 6291456)"));
  // No limit configured: 0, as cAdvisor reports it.
  EXPECT_THAT(text, HasSubstr(R"(container_spec_memory_limit_bytes{id="v2c",name="db",image="busybox:latest"} 0)"));
}

TEST(ContainerMetricsTest, StoppedContainerHasOnlyInfoAndRestarts) {
  v1::Container record = Record("dead1", "old", v1::CONTAINER_STATUS_EXITED);
  record.set_restart_count(2);
  std::string text = Exposition({{record, std::nullopt}});
  EXPECT_THAT(text, HasSubstr(R"(berth_container_info{id="dead1",name="old",image="busybox:latest",state="exited"} 1)"));
  EXPECT_THAT(text, HasSubstr(R"(berth_container_restarts_total{id="dead1",name="old",image="busybox:latest"} 2)"));
  EXPECT_THAT(text, Not(HasSubstr("container_cpu_usage_seconds_total")));
  EXPECT_THAT(text, Not(HasSubstr("container_start_time_seconds")));
}

TEST(ContainerMetricsTest, CollectorReadsStatsOnlyOfRunningContainersAndSurvivesErrors) {
  int reads = 0;
  ContainerMetricsCollector collector(
      [] {
        return std::vector<v1::Container>{Record("run1", "a", v1::CONTAINER_STATUS_RUNNING),
                                          Record("run2", "b", v1::CONTAINER_STATUS_RUNNING),
                                          Record("made", "c", v1::CONTAINER_STATUS_CREATED)};
      },
      [&reads](const v1::Container& c) -> absl::StatusOr<v1::ContainerStats> {
        ++reads;
        if (c.id() == "run2") return absl::NotFoundError("exited meanwhile");
        return RunningStats(1);
      });
  std::string text = prometheus::TextSerializer().Serialize(collector.Collect());
  EXPECT_EQ(reads, 2);
  EXPECT_THAT(text, HasSubstr(R"(container_cpu_usage_seconds_total{id="run1")"));
  EXPECT_THAT(text, Not(HasSubstr(R"(container_cpu_usage_seconds_total{id="run2")")));
  EXPECT_THAT(text, HasSubstr(R"(berth_container_info{id="run2")"));
  EXPECT_THAT(text, HasSubstr(R"(berth_container_info{id="made",name="c",image="busybox:latest",state="created"})"));
}

TEST(ContainerMetricsTest, NoContainersNoSeries) {
  EXPECT_TRUE(ContainerMetricFamilies({}).empty());
}

}  // namespace
}  // namespace berth::runtimed
