// The cgroup v1 driver: one directory per hierarchy. Controllers may be
// mounted apart (cpu and cpuacct on this machine) or together ("cpu,cpuacct");
// a co-mounted hierarchy gets one directory.
#include <unistd.h>

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/fs/fs.h"
#include "common/status/status.h"
#include "services/runtimed/cgroups/cgroup_fs.h"

namespace berth::runtimed::cgroups::internal {
namespace {

constexpr const char* kControllers[] = {"pids", "memory", "cpu", "cpuacct",
                                        "devices", "cpuset", "blkio", "freezer"};
// memory.limit_in_bytes reads back as PAGE_COUNTER_MAX pages when unlimited.
constexpr uint64_t kUnlimitedThreshold = uint64_t{1} << 62;

// "8:0 Read 4096" lines of blkio.throttle.*; the "Total" line is dropped.
std::vector<BlkioEntry> ParseBlkio(const std::string& text) {
  std::vector<BlkioEntry> out;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    std::vector<absl::string_view> f = absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (f.size() != 3) continue;
    std::pair<absl::string_view, absl::string_view> dev = absl::StrSplit(f[0], ':');
    BlkioEntry e;
    if (!absl::SimpleAtoi(dev.first, &e.major) || !absl::SimpleAtoi(dev.second, &e.minor) ||
        !absl::SimpleAtoi(f[2], &e.value)) {
      continue;
    }
    e.op = absl::AsciiStrToLower(f[1]);
    out.push_back(std::move(e));
  }
  return out;
}

class V1Manager : public CgroupManager {
 public:
  V1Manager(const Layout& layout, const std::string& parent, const std::string& id)
      : layout_(layout), parent_(parent), id_(id) {}

  Version version() const override { return Version::kV1; }

  std::vector<std::string> paths() const override {
    std::set<std::string> seen;
    std::vector<std::string> out;
    for (const char* c : kControllers) {
      std::string dir = Dir(c);
      if (!dir.empty() && seen.insert(dir).second) out.push_back(dir);
    }
    return out;
  }

  Features features() const override {
    Features f;
    auto root_has = [&](const char* controller, const char* file) {
      auto it = layout_.v1.find(controller);
      return it != layout_.v1.end() && Exists(absl::StrCat(it->second, "/", file));
    };
    f.memory = root_has("memory", "memory.limit_in_bytes");
    f.swap = root_has("memory", "memory.memsw.limit_in_bytes");
    f.oom_kill_disable = root_has("memory", "memory.oom_control");
    f.cpu_shares = root_has("cpu", "cpu.shares");
    f.cpu_cfs = root_has("cpu", "cpu.cfs_quota_us");
    f.cpuset = root_has("cpuset", "cpuset.cpus");
    f.pids = layout_.v1.contains("pids");  // pids.max exists only below the root
    f.blkio_weight = root_has("blkio", "blkio.weight") || root_has("blkio", "blkio.bfq.weight");
    f.devices = root_has("devices", "devices.allow");
    return f;
  }

  absl::Status Create() override {
    for (const std::string& dir : paths()) BERTH_RETURN_IF_ERROR(fs::MakeDirs(dir));
    // A new cpuset cgroup starts with empty cpus and mems and then refuses
    // tasks (ENOSPC): copy the parent's values down each level.
    if (auto it = layout_.v1.find("cpuset"); it != layout_.v1.end()) {
      std::string above = it->second;
      for (const std::string& level : {absl::StrCat(it->second, "/", parent_), Dir("cpuset")}) {
        for (const char* file : {"cpuset.cpus", "cpuset.mems"}) {
          auto mine = ReadControl(absl::StrCat(level, "/", file));
          if (mine.ok() && !mine->empty()) continue;
          BERTH_ASSIGN_OR_RETURN(std::string theirs, ReadControl(absl::StrCat(above, "/", file)));
          BERTH_RETURN_IF_ERROR(WriteControl(absl::StrCat(level, "/", file), theirs));
        }
        above = level;
      }
    }
    return absl::OkStatus();
  }

  absl::Status ApplyDevices(const std::vector<std::string>& rules) override {
    std::string dir = Dir("devices");
    if (dir.empty()) {
      return absl::FailedPreconditionError(
          "no devices cgroup (v1) to confine the container's device access");
    }
    if (rules == std::vector<std::string>{"a *:* rwm"}) return absl::OkStatus();
    BERTH_RETURN_IF_ERROR(WriteControl(dir + "/devices.deny", "a"));
    for (const auto& rule : rules) BERTH_RETURN_IF_ERROR(WriteControl(dir + "/devices.allow", rule));
    return absl::OkStatus();
  }

  absl::Status ApplyLimits(const Limits& l) override {
    if (l.memory != 0 || l.memory_swap != 0 || l.memory_reservation != 0 || l.oom_kill_disable) {
      BERTH_ASSIGN_OR_RETURN(std::string mem, Need("memory", "the memory limit"));
      if (l.memory_reservation != 0) {
        BERTH_RETURN_IF_ERROR(WriteControl(mem + "/memory.soft_limit_in_bytes",
                                           absl::StrCat(l.memory_reservation)));
      }
      BERTH_RETURN_IF_ERROR(WriteMemoryAndSwap(mem, l));
      if (l.oom_kill_disable) BERTH_RETURN_IF_ERROR(WriteControl(mem + "/memory.oom_control", "1"));
    }
    if (l.cpu_shares != 0 || l.cpu_period != 0 || l.cpu_quota != 0) {
      BERTH_ASSIGN_OR_RETURN(std::string cpu, Need("cpu", "the CPU limit"));
      if (l.cpu_shares != 0) {
        BERTH_RETURN_IF_ERROR(WriteControl(cpu + "/cpu.shares", absl::StrCat(l.cpu_shares)));
      }
      if (l.cpu_period != 0) {
        BERTH_RETURN_IF_ERROR(WriteControl(cpu + "/cpu.cfs_period_us", absl::StrCat(l.cpu_period)));
      }
      if (l.cpu_quota != 0) {
        BERTH_RETURN_IF_ERROR(WriteControl(cpu + "/cpu.cfs_quota_us", absl::StrCat(l.cpu_quota)));
      }
    }
    if (!l.cpuset_cpus.empty() || !l.cpuset_mems.empty()) {
      BERTH_ASSIGN_OR_RETURN(std::string cpuset, Need("cpuset", "the cpuset"));
      if (!l.cpuset_cpus.empty()) {
        BERTH_RETURN_IF_ERROR(WriteControl(cpuset + "/cpuset.cpus", l.cpuset_cpus));
      }
      if (!l.cpuset_mems.empty()) {
        BERTH_RETURN_IF_ERROR(WriteControl(cpuset + "/cpuset.mems", l.cpuset_mems));
      }
    }
    if (l.pids_limit != 0) {
      BERTH_ASSIGN_OR_RETURN(std::string pids, Need("pids", "the pids limit"));
      BERTH_RETURN_IF_ERROR(WriteControl(
          pids + "/pids.max", l.pids_limit < 0 ? "max" : absl::StrCat(l.pids_limit)));
    }
    if (l.blkio_weight != 0) {
      BERTH_ASSIGN_OR_RETURN(std::string blkio, Need("blkio", "the blkio weight"));
      std::string file = Exists(blkio + "/blkio.weight") ? "/blkio.weight" : "/blkio.bfq.weight";
      if (!Exists(blkio + file)) {
        return absl::FailedPreconditionError(
            "the kernel offers no blkio weight (no proportional I/O scheduler)");
      }
      BERTH_RETURN_IF_ERROR(WriteControl(blkio + file, absl::StrCat(l.blkio_weight)));
    }
    return absl::OkStatus();
  }

  absl::Status AddProcess(pid_t pid) override {
    for (const std::string& dir : paths()) {
      BERTH_RETURN_IF_ERROR(WriteControl(dir + "/cgroup.procs", absl::StrCat(pid)));
    }
    return absl::OkStatus();
  }

  uint64_t OomKills() const override {
    std::string mem = Dir("memory");
    if (mem.empty()) return 0;
    auto text = ReadControl(mem + "/memory.oom_control");
    if (!text.ok()) return 0;
    auto kv = ParseFlatKeyed(*text);
    return kv.contains("oom_kill") ? kv["oom_kill"] : 0;
  }

  absl::StatusOr<Stats> ReadStats() const override {
    Stats s;
    if (std::string acct = Dir("cpuacct"); !acct.empty()) {
      s.cpu_total_ns = ReadNumber(acct + "/cpuacct.usage");
      if (auto per = ReadControl(acct + "/cpuacct.usage_percpu"); per.ok()) {
        for (absl::string_view v : absl::StrSplit(*per, ' ', absl::SkipEmpty())) {
          uint64_t n = 0;
          if (absl::SimpleAtoi(v, &n)) s.cpu_percpu_ns.push_back(n);
        }
      }
      if (auto stat = ReadControl(acct + "/cpuacct.stat"); stat.ok()) {
        // USER_HZ ticks.
        uint64_t ns_per_tick = 1000000000ULL / static_cast<uint64_t>(sysconf(_SC_CLK_TCK));
        auto kv = ParseFlatKeyed(*stat);
        s.cpu_user_ns = kv["user"] * ns_per_tick;
        s.cpu_system_ns = kv["system"] * ns_per_tick;
      }
    }
    if (std::string cpu = Dir("cpu"); !cpu.empty()) {
      if (auto stat = ReadControl(cpu + "/cpu.stat"); stat.ok()) {
        auto kv = ParseFlatKeyed(*stat);
        s.throttling_periods = kv["nr_periods"];
        s.throttled_periods = kv["nr_throttled"];
        s.throttled_ns = kv["throttled_time"];
      }
    }
    if (std::string mem = Dir("memory"); !mem.empty()) {
      s.memory_usage = ReadNumber(mem + "/memory.usage_in_bytes");
      s.memory_max_usage = ReadNumber(mem + "/memory.max_usage_in_bytes");
      s.memory_limit = ReadNumber(mem + "/memory.limit_in_bytes");
      if (s.memory_limit >= kUnlimitedThreshold) s.memory_limit = 0;
      s.memory_failcnt = ReadNumber(mem + "/memory.failcnt");
      if (auto stat = ReadControl(mem + "/memory.stat"); stat.ok()) {
        s.memory_stat = ParseFlatKeyed(*stat);
      }
      s.oom_kills = OomKills();
    }
    if (std::string pids = Dir("pids"); !pids.empty()) {
      s.pids_current = ReadNumber(pids + "/pids.current");
      s.pids_limit = ReadNumber(pids + "/pids.max", 0);
    }
    if (std::string blkio = Dir("blkio"); !blkio.empty()) {
      if (auto t = ReadControl(blkio + "/blkio.throttle.io_service_bytes_recursive"); t.ok()) {
        s.io_service_bytes = ParseBlkio(*t);
      }
      if (auto t = ReadControl(blkio + "/blkio.throttle.io_serviced_recursive"); t.ok()) {
        s.io_serviced = ParseBlkio(*t);
      }
    }
    return s;
  }

  absl::Status Remove() override {
    absl::Status result;
    for (const std::string& dir : paths()) result.Update(RemoveCgroupDir(dir));
    return result;
  }

  // freezer.state reads FREEZING until every task stopped; runc writes
  // FROZEN again while it waits, which AwaitCgroupState's nudge does too.
  absl::Status Freeze() override {
    BERTH_ASSIGN_OR_RETURN(std::string dir, Need("freezer", "a pause"));
    const std::string state = dir + "/freezer.state";
    BERTH_RETURN_IF_ERROR(WriteControl(state, "FROZEN"));
    absl::Status settled = AwaitCgroupState(
        [&] { return ReadState(state) == "FROZEN"; },
        [&] { return WriteControl(state, "FROZEN"); }, "freezing '" + dir + "'");
    if (!settled.ok()) (void)WriteControl(state, "THAWED");  // never leave it half frozen
    return settled;
  }

  absl::Status Thaw() override {
    BERTH_ASSIGN_OR_RETURN(std::string dir, Need("freezer", "an unpause"));
    const std::string state = dir + "/freezer.state";
    BERTH_RETURN_IF_ERROR(WriteControl(state, "THAWED"));
    return AwaitCgroupState([&] { return ReadState(state) == "THAWED"; },
                            [&] { return WriteControl(state, "THAWED"); },
                            "thawing '" + dir + "'");
  }

  absl::StatusOr<bool> Frozen() const override {
    BERTH_ASSIGN_OR_RETURN(std::string dir, Need("freezer", "a pause"));
    BERTH_ASSIGN_OR_RETURN(std::string state, ReadControl(dir + "/freezer.state"));
    return state == "FROZEN";
  }

  absl::StatusOr<std::vector<pid_t>> Pids() const override {
    std::vector<std::string> dirs = paths();
    if (dirs.empty()) return absl::FailedPreconditionError("no cgroup (v1) hierarchy mounted");
    // Every hierarchy holds every task of the container; pids is the natural one.
    std::string dir = Dir("pids").empty() ? dirs.front() : Dir("pids");
    BERTH_ASSIGN_OR_RETURN(std::string procs, ReadControl(dir + "/cgroup.procs"));
    return ParsePids(procs);
  }

 private:
  static std::string ReadState(const std::string& file) {
    auto text = ReadControl(file);
    return text.ok() ? *text : "";
  }

  std::string Dir(const std::string& controller) const {
    auto it = layout_.v1.find(controller);
    return it == layout_.v1.end() ? "" : absl::StrCat(it->second, "/", parent_, "/", id_);
  }

  absl::StatusOr<std::string> Need(const char* controller, const char* what) const {
    std::string dir = Dir(controller);
    if (dir.empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat("no ", controller, " cgroup (v1) to apply ", what));
    }
    return dir;
  }

  // memory.memsw.limit_in_bytes must stay >= memory.limit_in_bytes at every
  // step, so the order of the two writes depends on whether the limit grows.
  absl::Status WriteMemoryAndSwap(const std::string& mem, const Limits& l) {
    std::string memsw_file = mem + "/memory.memsw.limit_in_bytes";
    bool swap = l.memory_swap != 0 && Exists(memsw_file);
    std::string memsw_value = l.memory_swap < 0 ? "-1" : absl::StrCat(l.memory_swap);
    uint64_t current_memsw = swap ? ReadNumber(memsw_file) : 0;
    bool swap_first = swap && (l.memory_swap < 0 || static_cast<uint64_t>(l.memory) > current_memsw);
    if (swap_first) BERTH_RETURN_IF_ERROR(WriteControl(memsw_file, memsw_value));
    if (l.memory != 0) {
      BERTH_RETURN_IF_ERROR(
          WriteControl(mem + "/memory.limit_in_bytes", absl::StrCat(l.memory)));
    }
    if (swap && !swap_first) BERTH_RETURN_IF_ERROR(WriteControl(memsw_file, memsw_value));
    return absl::OkStatus();
  }

  Layout layout_;
  std::string parent_;
  std::string id_;
};

}  // namespace

std::unique_ptr<CgroupManager> NewV1Manager(const Layout& layout, const std::string& parent,
                                            const std::string& id) {
  return std::make_unique<V1Manager>(layout, parent, id);
}

}  // namespace berth::runtimed::cgroups::internal
