// The cgroup v2 driver: one directory in the unified tree. Controllers must
// be enabled in every ancestor's cgroup.subtree_control; Docker's v1-style
// values (cpu shares, blkio weight) are converted as runc converts them.
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/fs/fs.h"
#include "common/status/status.h"
#include "services/runtimed/cgroups/cgroup_fs.h"
#include "services/runtimed/cgroups/device_filter.h"

namespace berth::runtimed::cgroups::internal {
namespace {

// io.stat: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0".
void ParseIoStat(const std::string& text, Stats* s) {
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    std::vector<absl::string_view> f = absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (f.empty()) continue;
    std::pair<absl::string_view, absl::string_view> dev = absl::StrSplit(f[0], ':');
    uint64_t major = 0, minor = 0;
    if (!absl::SimpleAtoi(dev.first, &major) || !absl::SimpleAtoi(dev.second, &minor)) continue;
    for (size_t i = 1; i < f.size(); ++i) {
      std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(f[i], '=');
      uint64_t v = 0;
      if (!absl::SimpleAtoi(kv.second, &v)) continue;
      if (kv.first == "rbytes") s->io_service_bytes.push_back({major, minor, "read", v});
      if (kv.first == "wbytes") s->io_service_bytes.push_back({major, minor, "write", v});
      if (kv.first == "rios") s->io_serviced.push_back({major, minor, "read", v});
      if (kv.first == "wios") s->io_serviced.push_back({major, minor, "write", v});
    }
  }
}

class V2Manager : public CgroupManager {
 public:
  V2Manager(const Layout& layout, const std::string& parent, const std::string& id,
            DeviceProgramAttacher attach_devices)
      : root_(layout.unified),
        parent_(parent),
        dir_(absl::StrCat(root_, "/", parent, "/", id)),
        attach_devices_(std::move(attach_devices)) {}

  Version version() const override { return Version::kV2; }
  std::vector<std::string> paths() const override { return {dir_}; }

  Features features() const override {
    Features f;
    std::set<std::string> available;
    if (auto text = ReadControl(root_ + "/cgroup.controllers"); text.ok()) {
      for (absl::string_view c : absl::StrSplit(*text, ' ', absl::SkipEmpty())) {
        available.insert(std::string(c));
      }
    }
    f.memory = available.contains("memory");
    f.swap = f.memory;  // memory.swap.max exists when swap accounting is built in
    f.cpu_shares = f.cpu_cfs = available.contains("cpu");
    f.cpuset = available.contains("cpuset");
    f.pids = available.contains("pids");
    f.blkio_weight = available.contains("io");
    return f;
  }

  absl::Status Create() override {
    // Enable what the root offers in each ancestor, top down, so the
    // container's directory gets the controllers' files.
    auto offered = ReadControl(root_ + "/cgroup.controllers");
    std::string enable;
    if (offered.ok()) {
      for (absl::string_view c : absl::StrSplit(*offered, ' ', absl::SkipEmpty())) {
        if (c == "cpu" || c == "memory" || c == "pids" || c == "io" || c == "cpuset") {
          absl::StrAppend(&enable, enable.empty() ? "" : " ", "+", c);
        }
      }
    }
    std::string level = root_;
    std::vector<std::string> parts = absl::StrSplit(parent_, '/', absl::SkipEmpty());
    for (size_t i = 0; i <= parts.size(); ++i) {
      if (!enable.empty()) {
        BERTH_RETURN_IF_ERROR(WriteControl(level + "/cgroup.subtree_control", enable));
      }
      if (i == parts.size()) break;
      level = absl::StrCat(level, "/", parts[i]);
      BERTH_RETURN_IF_ERROR(fs::MakeDirs(level));
    }
    return fs::MakeDirs(dir_);
  }

  // v2 has no devices.allow: the rules become an eBPF device program on the
  // container's cgroup, denying every device no rule allows.
  absl::Status ApplyDevices(const std::vector<std::string>& rules) override {
    if (rules == std::vector<std::string>{"a *:* rwm"}) return absl::OkStatus();
    std::vector<DeviceRule> parsed;
    for (const std::string& rule : rules) {
      BERTH_ASSIGN_OR_RETURN(DeviceRule r, ParseDeviceRule(rule));
      parsed.push_back(r);
    }
    absl::Status attached = attach_devices_(dir_, BuildDeviceFilter(parsed));
    if (!attached.ok()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "cgroup v2 device control: ", attached.message(),
          " (the container's device access cannot be confined on this host)"));
    }
    return absl::OkStatus();
  }

  absl::Status ApplyLimits(const Limits& l) override {
    if (l.memory_reservation != 0) {
      BERTH_RETURN_IF_ERROR(Write("memory.low", absl::StrCat(l.memory_reservation)));
    }
    if (l.memory != 0) BERTH_RETURN_IF_ERROR(Write("memory.max", absl::StrCat(l.memory)));
    if (l.memory_swap < 0) {
      BERTH_RETURN_IF_ERROR(Write("memory.swap.max", "max"));
    } else if (l.memory_swap > 0) {
      // v2 limits swap alone; Docker's value is memory + swap.
      BERTH_RETURN_IF_ERROR(Write("memory.swap.max", absl::StrCat(l.memory_swap - l.memory)));
    }
    if (l.oom_kill_disable) {
      return absl::FailedPreconditionError("cgroup v2 cannot disable the OOM killer");
    }
    if (l.cpu_shares != 0) {
      BERTH_RETURN_IF_ERROR(Write("cpu.weight", absl::StrCat(SharesToWeight(l.cpu_shares))));
    }
    if (l.cpu_quota != 0 || l.cpu_period != 0) {
      std::string quota = l.cpu_quota > 0 ? absl::StrCat(l.cpu_quota) : "max";
      std::string period = absl::StrCat(l.cpu_period > 0 ? l.cpu_period : 100000);
      BERTH_RETURN_IF_ERROR(Write("cpu.max", absl::StrCat(quota, " ", period)));
    }
    if (!l.cpuset_cpus.empty()) BERTH_RETURN_IF_ERROR(Write("cpuset.cpus", l.cpuset_cpus));
    if (!l.cpuset_mems.empty()) BERTH_RETURN_IF_ERROR(Write("cpuset.mems", l.cpuset_mems));
    if (l.pids_limit != 0) {
      BERTH_RETURN_IF_ERROR(
          Write("pids.max", l.pids_limit < 0 ? "max" : absl::StrCat(l.pids_limit)));
    }
    if (l.blkio_weight != 0) {
      std::string file = Exists(dir_ + "/io.bfq.weight") ? "io.bfq.weight" : "io.weight";
      uint64_t weight = file == "io.bfq.weight" ? l.blkio_weight : BlkioWeightToIoWeight(l.blkio_weight);
      BERTH_RETURN_IF_ERROR(Write(file, absl::StrCat("default ", weight)));
    }
    return absl::OkStatus();
  }

  absl::Status AddProcess(pid_t pid) override {
    return WriteControl(dir_ + "/cgroup.procs", absl::StrCat(pid));
  }

  uint64_t OomKills() const override {
    auto text = ReadControl(dir_ + "/memory.events");
    if (!text.ok()) return 0;
    auto kv = ParseFlatKeyed(*text);
    return kv.contains("oom_kill") ? kv["oom_kill"] : 0;
  }

  absl::StatusOr<Stats> ReadStats() const override {
    if (!Exists(dir_)) return absl::NotFoundError(absl::StrCat("no cgroup '", dir_, "'"));
    Stats s;
    if (auto text = ReadControl(dir_ + "/cpu.stat"); text.ok()) {
      auto kv = ParseFlatKeyed(*text);
      s.cpu_total_ns = kv["usage_usec"] * 1000;
      s.cpu_user_ns = kv["user_usec"] * 1000;
      s.cpu_system_ns = kv["system_usec"] * 1000;
      s.throttling_periods = kv["nr_periods"];
      s.throttled_periods = kv["nr_throttled"];
      s.throttled_ns = kv["throttled_usec"] * 1000;
    }
    s.memory_usage = ReadNumber(dir_ + "/memory.current");
    s.memory_max_usage = ReadNumber(dir_ + "/memory.peak");
    s.memory_limit = ReadNumber(dir_ + "/memory.max", 0);
    if (auto text = ReadControl(dir_ + "/memory.stat"); text.ok()) s.memory_stat = ParseFlatKeyed(*text);
    s.oom_kills = OomKills();
    s.pids_current = ReadNumber(dir_ + "/pids.current");
    s.pids_limit = ReadNumber(dir_ + "/pids.max", 0);
    if (auto text = ReadControl(dir_ + "/io.stat"); text.ok()) ParseIoStat(*text, &s);
    return s;
  }

  absl::Status Remove() override { return RemoveCgroupDir(dir_); }

  // cgroup.freeze is the request; cgroup.events' "frozen" is the kernel's
  // answer once every task stopped.
  absl::Status Freeze() override { return SetFrozen(true); }
  absl::Status Thaw() override { return SetFrozen(false); }

  absl::StatusOr<bool> Frozen() const override {
    if (!Exists(dir_)) return absl::NotFoundError(absl::StrCat("no cgroup '", dir_, "'"));
    BERTH_ASSIGN_OR_RETURN(std::string events, ReadControl(dir_ + "/cgroup.events"));
    auto kv = ParseFlatKeyed(events);
    return kv.contains("frozen") && kv["frozen"] == 1;
  }

  absl::StatusOr<std::vector<pid_t>> Pids() const override {
    if (!Exists(dir_)) return absl::NotFoundError(absl::StrCat("no cgroup '", dir_, "'"));
    BERTH_ASSIGN_OR_RETURN(std::string procs, ReadControl(dir_ + "/cgroup.procs"));
    return ParsePids(procs);
  }

 private:
  absl::Status SetFrozen(bool frozen) {
    if (!Exists(dir_ + "/cgroup.freeze")) {
      return absl::FailedPreconditionError(
          absl::StrCat("cgroup v2 has no cgroup.freeze in '", dir_, "' (kernel older than 5.2)"));
    }
    const std::string value = frozen ? "1" : "0";
    BERTH_RETURN_IF_ERROR(WriteControl(dir_ + "/cgroup.freeze", value));
    absl::Status settled = AwaitCgroupState(
        [&] {
          absl::StatusOr<bool> now = Frozen();
          return now.ok() && *now == frozen;
        },
        [&] { return WriteControl(dir_ + "/cgroup.freeze", value); },
        absl::StrCat(frozen ? "freezing '" : "thawing '", dir_, "'"));
    if (!settled.ok() && frozen) (void)WriteControl(dir_ + "/cgroup.freeze", "0");
    return settled;
  }

  absl::Status Write(const std::string& file, const std::string& value) {
    std::string path = absl::StrCat(dir_, "/", file);
    if (!Exists(path)) {
      return absl::FailedPreconditionError(
          absl::StrCat("cgroup v2 has no ", file, " here (controller not enabled)"));
    }
    return WriteControl(path, value);
  }

  std::string root_;
  std::string parent_;
  std::string dir_;
  DeviceProgramAttacher attach_devices_;
};

}  // namespace

std::unique_ptr<CgroupManager> NewV2Manager(const Layout& layout, const std::string& parent,
                                            const std::string& id,
                                            DeviceProgramAttacher attach_devices) {
  return std::make_unique<V2Manager>(layout, parent, id, std::move(attach_devices));
}

}  // namespace berth::runtimed::cgroups::internal
