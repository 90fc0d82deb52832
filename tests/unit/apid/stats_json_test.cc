#include "services/apid/rest/stats_json.h"

#include <nlohmann/json.hpp>

#include "gtest/gtest.h"

namespace berth::apid::rest {
namespace {

v1::ContainerStats Running(uint64_t cpu_ns, uint64_t system_ns) {
  v1::ContainerStats s;
  s.set_id("abc");
  s.set_name("web");
  s.set_running(true);
  s.set_cgroup_version(1);
  s.mutable_read()->set_seconds(1800000000);
  s.set_cpu_total_ns(cpu_ns);
  s.add_cpu_percpu_ns(cpu_ns);
  s.set_system_cpu_ns(system_ns);
  s.set_online_cpus(2);
  s.set_memory_usage(10 << 20);
  s.set_memory_limit(32 << 20);
  (*s.mutable_memory_stat())["total_inactive_file"] = 1 << 20;
  s.set_pids_current(3);
  s.set_pids_limit(20);
  v1::BlkioStat* b = s.add_io_service_bytes();
  b->set_major(8);
  b->set_op("read");
  b->set_value(4096);
  v1::NetworkStats* n = s.add_networks();
  n->set_interface("eth0");
  n->set_rx_bytes(100);
  n->set_tx_packets(2);
  return s;
}

TEST(StatsJsonTest, DockersKeysAndPrecpuFromThePreviousRead) {
  v1::ContainerStats before = Running(1000, 100000);
  v1::ContainerStats after = Running(51000, 200000);
  auto j = nlohmann::json::parse(StatsJson(after, &before));
  for (const char* key : {"read", "preread", "pids_stats", "blkio_stats", "num_procs",
                          "storage_stats", "cpu_stats", "precpu_stats", "memory_stats", "name",
                          "id", "networks"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["name"], "/web");
  EXPECT_EQ(j["cpu_stats"]["cpu_usage"]["total_usage"], 51000);
  EXPECT_EQ(j["precpu_stats"]["cpu_usage"]["total_usage"], 1000);
  EXPECT_EQ(j["precpu_stats"]["system_cpu_usage"], 100000);
  EXPECT_EQ(j["cpu_stats"]["online_cpus"], 2);
  EXPECT_EQ(j["memory_stats"]["limit"], 32 << 20);
  EXPECT_EQ(j["memory_stats"]["stats"]["total_inactive_file"], 1 << 20);
  EXPECT_EQ(j["pids_stats"]["limit"], 20);
  EXPECT_EQ(j["blkio_stats"]["io_service_bytes_recursive"][0]["op"], "Read");
  EXPECT_EQ(j["networks"]["eth0"]["rx_bytes"], 100);
  EXPECT_EQ(j["networks"]["eth0"]["tx_packets"], 2);
}

TEST(StatsJsonTest, FirstReadAndStoppedContainerLookLikeDockerd) {
  auto first = nlohmann::json::parse(StatsJson(Running(1, 2), nullptr));
  EXPECT_EQ(first["preread"], "0001-01-01T00:00:00Z");
  EXPECT_EQ(first["precpu_stats"]["cpu_usage"]["total_usage"], 0);
  EXPECT_FALSE(first["precpu_stats"].contains("system_cpu_usage"));
  v1::ContainerStats stopped;
  stopped.set_name("gone");
  auto j = nlohmann::json::parse(StatsJson(stopped, nullptr));
  EXPECT_TRUE(j["memory_stats"].empty());
  EXPECT_FALSE(j.contains("networks"));
}

}  // namespace
}  // namespace berth::apid::rest
