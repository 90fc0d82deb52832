#include "services/runtimed/spec/resources_builder.h"

#include <unistd.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/fs/fs.h"

namespace berth::runtimed::spec {
namespace {

constexpr int64_t kMinMemory = 6 << 20;  // dockerd's linuxMinMemory
constexpr int64_t kDefaultCpuPeriod = 100000;

absl::Status Invalid(const std::string& text) { return absl::InvalidArgumentError(text); }

std::string Trimmed(absl::StatusOr<std::string> text, const char* fallback) {
  if (!text.ok()) return fallback;
  return std::string(absl::StripAsciiWhitespace(*text));
}

// Docker's check for --cpuset-cpus/--cpuset-mems against what is online.
absl::Status CheckCpuset(const std::string& requested, const std::string& available,
                         const char* what_invalid, const char* what_missing) {
  if (requested.empty()) return absl::OkStatus();
  absl::StatusOr<std::set<int>> want = ParseCpuList(requested);
  if (!want.ok()) {
    return Invalid(absl::StrCat("Invalid value ", requested, " for ", what_invalid, ": ",
                                want.status().message()));
  }
  absl::StatusOr<std::set<int>> have = ParseCpuList(available);
  for (int n : *want) {
    if (!have.ok() || !have->contains(n)) {
      return Invalid(absl::StrCat("Requested ", what_missing, " are not available - requested ",
                                  requested, ", available: ", available));
    }
  }
  return absl::OkStatus();
}

}  // namespace

HostResources HostResources::Probe() {
  HostResources host;
  host.cpus = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
  host.cpus_online = Trimmed(fs::ReadFile("/sys/devices/system/cpu/online"),
                             host.cpus > 0 ? absl::StrCat("0-", host.cpus - 1).c_str() : "0");
  host.mems_online = Trimmed(fs::ReadFile("/sys/devices/system/node/online"), "0");
  if (absl::StatusOr<cgroups::Layout> layout = cgroups::DetectHostLayout(); layout.ok()) {
    host.version = layout->version;
    host.features = cgroups::NewCgroupManager(*layout, "", "")->features();
  }
  return host;
}

absl::StatusOr<std::set<int>> ParseCpuList(const std::string& list) {
  std::set<int> out;
  for (absl::string_view part : absl::StrSplit(list, ',')) {
    std::pair<absl::string_view, absl::string_view> range = absl::StrSplit(part, '-');
    int lo = 0, hi = 0;
    if (!absl::SimpleAtoi(range.first, &lo) || lo < 0) {
      return Invalid(absl::StrCat("invalid format: ", list));
    }
    hi = lo;
    if (!range.second.empty() && (!absl::SimpleAtoi(range.second, &hi) || hi < lo)) {
      return Invalid(absl::StrCat("invalid range format: ", part));
    }
    if (hi - lo > 4096) return Invalid(absl::StrCat("range too large: ", part));
    for (int n = lo; n <= hi; ++n) out.insert(n);
  }
  return out;
}

absl::StatusOr<ResolvedResources> BuildResources(const v1::Resources& r, const HostResources& host,
                                                 bool update) {
  ResolvedResources out;
  cgroups::Limits& l = out.limits;
  const cgroups::Features& f = host.features;

  // Kernel memory: deprecated by the kernel (kmem.limit_in_bytes, 5.4) and
  // removed from Docker 23.0; refused rather than silently ignored.
  if (r.kernel_memory() != 0) {
    return Invalid(
        "Kernel memory limit is not supported: --kernel-memory was removed in Docker 23.0 and "
        "the kernel no longer enforces it");
  }

  // Memory.
  l.memory = r.memory();
  l.memory_swap = r.memory_swap();
  l.memory_reservation = r.memory_reservation();
  if (l.memory < 0) return Invalid("Invalid memory limit: it can not be negative");
  if (l.memory != 0 && l.memory < kMinMemory) return Invalid("Minimum memory limit allowed is 6MB");
  if (l.memory > 0 && !f.memory) {
    out.warnings.push_back(
        "Your kernel does not support memory limit capabilities or the cgroup is not mounted. "
        "Limitation discarded.");
    l.memory = 0;
    l.memory_swap = 0;
  }
  if (l.memory > 0 && l.memory_swap > 0 && l.memory_swap < l.memory) {
    return Invalid("Minimum memoryswap limit should be larger than memory limit, see usage");
  }
  if (l.memory == 0 && l.memory_swap > 0 && !update) {
    return Invalid("You should always set the Memory limit when using Memoryswap limit, see usage");
  }
  if (l.memory_swap < -1) return Invalid("Invalid memory swap limit: use -1 for unlimited swap");
  if (l.memory_swap != 0 && !f.swap) {
    out.warnings.push_back(
        "Your kernel does not support swap limit capabilities or the cgroup is not mounted. "
        "Memory limited without swap.");
    l.memory_swap = 0;
  } else if (l.memory > 0 && l.memory_swap == 0 && f.swap && !update) {
    // dockerd's default: as much swap as memory.
    l.memory_swap = l.memory * 2;
  }
  if (l.memory_reservation < 0) return Invalid("Invalid memory reservation: it can not be negative");
  if (l.memory_reservation != 0 && l.memory_reservation < kMinMemory) {
    return Invalid("Minimum memory reservation allowed is 6MB");
  }
  if (l.memory > 0 && l.memory_reservation > 0 && l.memory < l.memory_reservation) {
    return Invalid(
        "Minimum memory limit can not be less than memory reservation limit, see usage");
  }
  l.oom_kill_disable = r.oom_kill_disable();
  if (l.oom_kill_disable && !f.oom_kill_disable) {
    out.warnings.push_back(
        "Your kernel does not support OomKillDisable. OomKillDisable discarded.");
    l.oom_kill_disable = false;
  }
  if (l.oom_kill_disable && l.memory == 0) {
    out.warnings.push_back(
        "OOM killer is disabled for the container, but no memory limit is set, this can result "
        "in the system running out of resources.");
  }

  // CPU.
  if (r.nano_cpus() > 0 && r.cpu_period() > 0) {
    return Invalid("Conflicting options: Nano CPUs and CPU Period cannot both be set");
  }
  if (r.nano_cpus() > 0 && r.cpu_quota() > 0) {
    return Invalid("Conflicting options: Nano CPUs and CPU Quota cannot both be set");
  }
  if (r.nano_cpus() < 0 || r.nano_cpus() > int64_t{host.cpus} * 1000000000) {
    return Invalid(absl::StrCat("Range of CPUs is from 0.01 to ", host.cpus, ".00, as there are only ",
                                host.cpus, " CPUs available"));
  }
  if (r.cpu_shares() < 0) return Invalid("Invalid CPU shares: it can not be negative");
  l.cpu_shares = r.cpu_shares();
  if (l.cpu_shares != 0 && !f.cpu_shares) {
    out.warnings.push_back(
        "Your kernel does not support CPU shares or the cgroup is not mounted. Shares discarded.");
    l.cpu_shares = 0;
  }
  if (r.cpu_period() != 0 && (r.cpu_period() < 1000 || r.cpu_period() > 1000000)) {
    return Invalid(
        "CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)");
  }
  if (r.cpu_quota() > 0 && r.cpu_quota() < 1000) {
    return Invalid("CPU cfs quota can not be less than 1ms (i.e. 1000)");
  }
  l.cpu_period = r.cpu_period();
  l.cpu_quota = r.cpu_quota();
  if (r.nano_cpus() > 0) {
    l.cpu_period = kDefaultCpuPeriod;
    l.cpu_quota = r.nano_cpus() * kDefaultCpuPeriod / 1000000000;
    // 0.001 CPUs would round below the kernel's 1ms minimum quota.
    if (l.cpu_quota < 1000) {
      return Invalid(absl::StrCat("Range of CPUs is from 0.01 to ", host.cpus,
                                  ".00, as there are only ", host.cpus, " CPUs available"));
    }
  }
  if ((l.cpu_period != 0 || l.cpu_quota != 0) && !f.cpu_cfs) {
    out.warnings.push_back(
        "Your kernel does not support CPU CFS scheduler. CPU period/quota discarded.");
    l.cpu_period = l.cpu_quota = 0;
  }

  // cpuset.
  if (absl::Status s = CheckCpuset(r.cpuset_cpus(), host.cpus_online, "cpuset cpus", "CPUs");
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          CheckCpuset(r.cpuset_mems(), host.mems_online, "cpuset mems", "memory nodes");
      !s.ok()) {
    return s;
  }
  l.cpuset_cpus = r.cpuset_cpus();
  l.cpuset_mems = r.cpuset_mems();
  if ((!l.cpuset_cpus.empty() || !l.cpuset_mems.empty()) && !f.cpuset) {
    out.warnings.push_back(
        "Your kernel does not support cpuset or the cgroup is not mounted. Cpuset discarded.");
    l.cpuset_cpus.clear();
    l.cpuset_mems.clear();
  }

  // pids: 0 leaves runtimed's default, negative is Docker's "unlimited".
  l.pids_limit = r.pids_limit() < 0 ? -1 : r.pids_limit();
  if (l.pids_limit != 0 && !f.pids) {
    out.warnings.push_back(
        "Your kernel does not support PIDs limit capabilities or the cgroup is not mounted. PIDs "
        "limit discarded.");
    l.pids_limit = 0;
  }

  // blkio.
  if (r.blkio_weight() > 0 && (r.blkio_weight() < 10 || r.blkio_weight() > 1000)) {
    return Invalid("Range of blkio weight is from 10 to 1000");
  }
  l.blkio_weight = r.blkio_weight();
  if (l.blkio_weight > 0 && !f.blkio_weight) {
    out.warnings.push_back(
        "Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight "
        "discarded.");
    l.blkio_weight = 0;
  }

  if (r.shm_size() < 0) return Invalid("SHM size can not be less than 0");
  if (r.shm_size() > 0) out.shm_size = r.shm_size();
  return out;
}

}  // namespace berth::runtimed::spec
