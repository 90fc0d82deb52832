#include "services/runtimed/container_stats.h"

#include <unistd.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/fs/fs.h"
#include "common/status/status.h"
#include "services/runtimed/cgroups/cgroup_manager.h"
#include "common/time/proto_time.h"

namespace berth::runtimed {

std::vector<v1::NetworkStats> ParseNetDev(const std::string& text) {
  std::vector<v1::NetworkStats> out;
  // Two header lines, then "  eth0: rxbytes rxpackets rxerrs rxdrop fifo frame
  // compressed multicast txbytes txpackets txerrs txdrop ...".
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(line, absl::MaxSplits(':', 1));
    absl::string_view name = absl::StripAsciiWhitespace(kv.first);
    std::vector<absl::string_view> f = absl::StrSplit(kv.second, ' ', absl::SkipEmpty());
    if (f.size() < 12 || name == "lo") continue;
    uint64_t v[12] = {};
    bool ok = true;
    for (int i = 0; i < 12; ++i) ok = ok && absl::SimpleAtoi(f[i], &v[i]);
    if (!ok) continue;
    v1::NetworkStats n;
    n.set_interface(std::string(name));
    n.set_rx_bytes(v[0]);
    n.set_rx_packets(v[1]);
    n.set_rx_errors(v[2]);
    n.set_rx_dropped(v[3]);
    n.set_tx_bytes(v[8]);
    n.set_tx_packets(v[9]);
    n.set_tx_errors(v[10]);
    n.set_tx_dropped(v[11]);
    out.push_back(std::move(n));
  }
  return out;
}

uint64_t SystemCpuNs(const std::string& proc_stat, long ticks_per_second) {
  for (absl::string_view line : absl::StrSplit(proc_stat, '\n')) {
    std::vector<absl::string_view> f = absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (f.empty() || f[0] != "cpu") continue;
    uint64_t ticks = 0;
    for (size_t i = 1; i < f.size() && i <= 7; ++i) {
      uint64_t v = 0;
      if (absl::SimpleAtoi(f[i], &v)) ticks += v;
    }
    return ticks * (1000000000ULL / static_cast<uint64_t>(ticks_per_second));
  }
  return 0;
}

uint64_t MemTotalBytes(const std::string& meminfo) {
  for (absl::string_view line : absl::StrSplit(meminfo, '\n')) {
    if (!absl::ConsumePrefix(&line, "MemTotal:")) continue;
    absl::ConsumeSuffix(&line, "kB");
    uint64_t kb = 0;
    return absl::SimpleAtoi(absl::StripAsciiWhitespace(line), &kb) ? kb * 1024 : 0;
  }
  return 0;
}

absl::StatusOr<v1::ContainerStats> ReadContainerUsage(const v1::Container& record,
                                                      const std::string& cgroup_parent) {
  v1::ContainerStats s;
  s.set_id(record.id());
  s.set_name(record.name());
  absl::Time now = absl::Now();
  *s.mutable_read() = ToTimestamp(now);
  int pid = record.state().pid();
  // A paused container still has its figures (docker stats shows them).
  if ((record.state().status() != v1::CONTAINER_STATUS_RUNNING &&
       record.state().status() != v1::CONTAINER_STATUS_PAUSED) ||
      pid <= 0) {
    return s;
  }

  // The layout does not change while runtimed runs.
  static const absl::StatusOr<cgroups::Layout>* layout =
      new absl::StatusOr<cgroups::Layout>(cgroups::DetectHostLayout());
  if (!layout->ok()) return layout->status();
  auto manager = cgroups::NewCgroupManager(**layout, cgroup_parent, record.id());
  absl::StatusOr<cgroups::Stats> c = manager->ReadStats();
  if (!c.ok()) return c.status();
  s.set_running(true);
  s.set_cgroup_version((*layout)->version == cgroups::Version::kV2 ? 2 : 1);
  s.set_cpu_total_ns(c->cpu_total_ns);
  s.set_cpu_user_ns(c->cpu_user_ns);
  s.set_cpu_system_ns(c->cpu_system_ns);
  for (uint64_t ns : c->cpu_percpu_ns) s.add_cpu_percpu_ns(ns);
  s.set_throttling_periods(c->throttling_periods);
  s.set_throttled_periods(c->throttled_periods);
  s.set_throttled_ns(c->throttled_ns);
  s.set_memory_usage(c->memory_usage);
  s.set_memory_max_usage(c->memory_max_usage);
  s.set_memory_limit(c->memory_limit);
  s.set_memory_failcnt(c->memory_failcnt);
  for (const auto& [key, value] : c->memory_stat) (*s.mutable_memory_stat())[key] = value;
  s.set_oom_kills(c->oom_kills);
  s.set_pids_current(c->pids_current);
  s.set_pids_limit(c->pids_limit);
  auto copy_blkio = [](const std::vector<cgroups::BlkioEntry>& in,
                       google::protobuf::RepeatedPtrField<v1::BlkioStat>* out) {
    for (const auto& e : in) {
      v1::BlkioStat* b = out->Add();
      b->set_major(e.major);
      b->set_minor(e.minor);
      b->set_op(e.op);
      b->set_value(e.value);
    }
  };
  copy_blkio(c->io_service_bytes, s.mutable_io_service_bytes());
  copy_blkio(c->io_serviced, s.mutable_io_serviced());
  // The init's view of /proc/net is its network namespace's.
  if (auto dev = fs::ReadFile(absl::StrCat("/proc/", pid, "/net/dev")); dev.ok()) {
    for (auto& n : ParseNetDev(*dev)) *s.add_networks() = std::move(n);
  }
  return s;
}

absl::StatusOr<v1::ContainerStats> ReadContainerStats(const v1::Container& record,
                                                      const std::string& cgroup_parent) {
  BERTH_ASSIGN_OR_RETURN(v1::ContainerStats s, ReadContainerUsage(record, cgroup_parent));
  if (!s.running()) return s;
  long ticks = sysconf(_SC_CLK_TCK);
  if (auto stat = fs::ReadFile("/proc/stat"); stat.ok() && ticks > 0) {
    s.set_system_cpu_ns(SystemCpuNs(*stat, ticks));
  }
  s.set_online_cpus(static_cast<uint32_t>(sysconf(_SC_NPROCESSORS_ONLN)));
  // dockerd reports the machine's memory when the container has no limit.
  uint64_t host_memory = 0;
  if (auto meminfo = fs::ReadFile("/proc/meminfo"); meminfo.ok()) host_memory = MemTotalBytes(*meminfo);
  if (s.memory_limit() == 0 || (host_memory > 0 && s.memory_limit() > host_memory)) {
    s.set_memory_limit(host_memory);
  }
  return s;
}

}  // namespace berth::runtimed
