#include "services/apid/rest/stats_json.h"

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "services/apid/rest/frames.h"

namespace berth::apid::rest {
namespace {

using OJson = nlohmann::ordered_json;

constexpr char kZeroTime[] = "0001-01-01T00:00:00Z";

OJson CpuJson(const v1::ContainerStats& s) {
  OJson usage;
  usage["total_usage"] = s.cpu_total_ns();
  // cgroup v2 has no per-CPU figures; dockerd leaves the key out there.
  if (s.cpu_percpu_ns_size() > 0) {
    usage["percpu_usage"] = std::vector<uint64_t>(s.cpu_percpu_ns().begin(), s.cpu_percpu_ns().end());
  }
  usage["usage_in_kernelmode"] = s.cpu_system_ns();
  usage["usage_in_usermode"] = s.cpu_user_ns();
  OJson cpu;
  cpu["cpu_usage"] = usage;
  if (s.running()) {
    cpu["system_cpu_usage"] = s.system_cpu_ns();
    cpu["online_cpus"] = s.online_cpus();
  }
  cpu["throttling_data"] = {{"periods", s.throttling_periods()},
                            {"throttled_periods", s.throttled_periods()},
                            {"throttled_time", s.throttled_ns()}};
  return cpu;
}

OJson BlkioList(const google::protobuf::RepeatedPtrField<v1::BlkioStat>& list, bool v1) {
  if (list.empty()) return OJson(nullptr);
  OJson out = OJson::array();
  for (const auto& e : list) {
    // cgroup v1 names the operations "Read"/"Write", v2 "read"/"write"; dockerd passes
    // the kernel's spelling through.
    std::string op = e.op();
    if (v1 && !op.empty()) op[0] = absl::ascii_toupper(op[0]);
    out.push_back({{"major", e.major()}, {"minor", e.minor()}, {"op", op}, {"value", e.value()}});
  }
  return out;
}

std::string ReadTime(const v1::ContainerStats& s) {
  return FormatRfc3339Nano(s.read().seconds(), s.read().nanos());
}

}  // namespace

std::string StatsJson(const v1::ContainerStats& s, const v1::ContainerStats* previous) {
  OJson j;
  j["read"] = ReadTime(s);
  j["preread"] = previous != nullptr ? ReadTime(*previous) : kZeroTime;
  OJson pids = {{"current", s.pids_current()}};
  if (s.pids_limit() > 0) pids["limit"] = s.pids_limit();
  j["pids_stats"] = s.running() ? pids : OJson::object();
  bool v1 = s.cgroup_version() != 2;
  j["blkio_stats"] = {{"io_service_bytes_recursive", BlkioList(s.io_service_bytes(), v1)},
                      {"io_serviced_recursive", BlkioList(s.io_serviced(), v1)},
                      {"io_queue_recursive", nullptr},
                      {"io_service_time_recursive", nullptr},
                      {"io_wait_time_recursive", nullptr},
                      {"io_merged_recursive", nullptr},
                      {"io_time_recursive", nullptr},
                      {"sectors_recursive", nullptr}};
  j["num_procs"] = 0;
  j["storage_stats"] = OJson::object();
  j["cpu_stats"] = CpuJson(s);
  j["precpu_stats"] = previous != nullptr ? CpuJson(*previous) : CpuJson(v1::ContainerStats());
  OJson memory = OJson::object();
  if (s.running()) {
    memory["usage"] = s.memory_usage();
    if (v1) memory["max_usage"] = s.memory_max_usage();
    OJson stats = OJson::object();
    // Sorted keys, as Go's map encoding writes them.
    std::map<std::string, uint64_t> sorted(s.memory_stat().begin(), s.memory_stat().end());
    for (const auto& [key, value] : sorted) stats[key] = value;
    memory["stats"] = stats;
    if (v1) memory["failcnt"] = s.memory_failcnt();
    memory["limit"] = s.memory_limit();
  }
  j["memory_stats"] = memory;
  j["name"] = "/" + s.name();
  j["id"] = s.id();
  if (s.running()) {
    OJson networks = OJson::object();
    for (const auto& n : s.networks()) {
      networks[n.interface()] = {{"rx_bytes", n.rx_bytes()},     {"rx_packets", n.rx_packets()},
                                 {"rx_errors", n.rx_errors()},   {"rx_dropped", n.rx_dropped()},
                                 {"tx_bytes", n.tx_bytes()},     {"tx_packets", n.tx_packets()},
                                 {"tx_errors", n.tx_errors()},   {"tx_dropped", n.tx_dropped()}};
    }
    j["networks"] = networks;
  }
  return j.dump() + "\n";
}

}  // namespace berth::apid::rest
