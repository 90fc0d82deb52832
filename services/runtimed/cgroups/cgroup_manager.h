// One container's cgroup behind one interface, with a driver per cgroup
// version: v1 (one directory per controller hierarchy, this machine's hybrid
// layout with cpu and cpuacct mounted apart) and v2 (one directory in the
// unified tree). The layout is read from /proc/self/mountinfo, never assumed.
// Drivers write cgroupfs directly (the "cgroupfs" driver); a systemd driver
// would be another CgroupManager creating transient scopes over D-Bus — the
// seam is NewCgroupManager.
//
// The shim creates the cgroup, applies the limits and places the init in it;
// runtimed opens the same cgroup (Open, nothing created) to read stats and to
// apply a live update.
#pragma once

#include <linux/bpf.h>
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace berth::runtimed::cgroups {

enum class Version { kV1, kV2 };

// Where the hierarchies are mounted.
struct Layout {
  Version version = Version::kV1;
  // v1: controller name ("memory", "cpu", "cpuacct", "pids", "devices",
  // "cpuset", "blkio") → mount point. Co-mounted controllers ("cpu,cpuacct")
  // share one mount point.
  std::map<std::string, std::string> v1;
  // v2: the cgroup2 mount point (also set on v1 hosts that have one).
  std::string unified;
};

// Parses the text of /proc/self/mountinfo. v1 whenever a v1 hierarchy holds
// one of the controllers Berth uses (memory, pids, cpu); otherwise v2 on the
// cgroup2 mount; FailedPrecondition when neither is mounted.
absl::StatusOr<Layout> DetectLayout(const std::string& mountinfo);
// DetectLayout on this process's mountinfo.
absl::StatusOr<Layout> DetectHostLayout();

// The limits, resolved (runtimed's spec/resources_builder validates and
// converts Docker's fields). 0 / "" means "leave the kernel's default".
struct Limits {
  int64_t memory = 0;              // bytes
  int64_t memory_swap = 0;         // bytes of memory + swap; -1 unlimited swap
  int64_t memory_reservation = 0;  // bytes (soft limit)
  int64_t cpu_shares = 0;          // v1 weight 2..262144 (v2 converts to cpu.weight)
  int64_t cpu_period = 0;          // microseconds
  int64_t cpu_quota = 0;           // microseconds per period; 0 = none
  std::string cpuset_cpus;
  std::string cpuset_mems;
  int64_t pids_limit = 0;          // 0 = none
  uint32_t blkio_weight = 0;       // 10..1000
  bool oom_kill_disable = false;

  bool operator==(const Limits&) const = default;
};

// What the kernel offers for the limits, probed at the hierarchy roots.
struct Features {
  bool memory = false;
  bool swap = false;          // memsw (v1) / memory.swap.max (v2)
  bool cpu_shares = false;
  bool cpu_cfs = false;
  bool cpuset = false;
  bool pids = false;
  bool blkio_weight = false;  // blkio.weight / io.weight: only with a proportional I/O scheduler
  bool oom_kill_disable = false;  // v1 only
  bool devices = false;       // v1 devices controller (v2 needs an eBPF program)
};

// Figures in Docker's units (nanoseconds, bytes).
struct BlkioEntry {
  uint64_t major = 0;
  uint64_t minor = 0;
  std::string op;  // "read", "write"
  uint64_t value = 0;
};

struct Stats {
  uint64_t cpu_total_ns = 0;
  uint64_t cpu_user_ns = 0;
  uint64_t cpu_system_ns = 0;
  std::vector<uint64_t> cpu_percpu_ns;  // v1 only (cpuacct.usage_percpu)
  uint64_t throttling_periods = 0;
  uint64_t throttled_periods = 0;
  uint64_t throttled_ns = 0;

  uint64_t memory_usage = 0;
  uint64_t memory_max_usage = 0;        // v1 only
  uint64_t memory_limit = 0;            // 0 = no limit
  uint64_t memory_failcnt = 0;          // v1 only
  std::map<std::string, uint64_t> memory_stat;  // memory.stat as the kernel names it
  uint64_t oom_kills = 0;

  uint64_t pids_current = 0;
  uint64_t pids_limit = 0;              // 0 = no limit

  std::vector<BlkioEntry> io_service_bytes;
  std::vector<BlkioEntry> io_serviced;
};

class CgroupManager {
 public:
  virtual ~CgroupManager() = default;

  virtual Version version() const = 0;
  // The directories of this container's cgroup (one per hierarchy on v1).
  virtual std::vector<std::string> paths() const = 0;
  virtual Features features() const = 0;

  // Creates the container's cgroup and any missing ancestors (v1: cpuset
  // values copied down; v2: controllers enabled in each ancestor's
  // cgroup.subtree_control).
  virtual absl::Status Create() = 0;
  // Deny all then allow each rule ("c 1:3 rwm"); {"a *:* rwm"} leaves every
  // device allowed. v1 writes devices.deny/allow; v2 attaches an eBPF device
  // program (device_filter.h). FailedPrecondition where device control is
  // unavailable.
  virtual absl::Status ApplyDevices(const std::vector<std::string>& rules) = 0;
  // Writes every set limit; also a live update. FailedPrecondition naming the
  // limit when its controller or file is missing.
  virtual absl::Status ApplyLimits(const Limits& limits) = 0;
  virtual absl::Status AddProcess(pid_t pid) = 0;
  // OOM kills so far (v1 memory.oom_control oom_kill, v2 memory.events oom_kill).
  virtual uint64_t OomKills() const = 0;
  virtual absl::StatusOr<Stats> ReadStats() const = 0;
  // Removes the directories (empty after the container exited; retried
  // briefly while the kernel releases the last task).
  virtual absl::Status Remove() = 0;

  // The freezer (docker pause). Freeze stops every task of the cgroup and
  // returns once the kernel reports them all frozen (v1 freezer.state
  // FROZEN, v2 cgroup.events "frozen 1"); Thaw lets them run again and
  // returns once they do. Both are idempotent. FailedPrecondition without a
  // freezer (v1 hierarchy not mounted), DeadlineExceeded when the kernel does
  // not settle within a few seconds (a freeze is then undone).
  virtual absl::Status Freeze() = 0;
  virtual absl::Status Thaw() = 0;
  // Whether the cgroup is frozen now (a v1 FREEZING counts as not frozen).
  // NotFound when the cgroup does not exist.
  virtual absl::StatusOr<bool> Frozen() const = 0;
  // The processes in the cgroup (cgroup.procs), as the kernel lists them.
  // NotFound when the cgroup does not exist.
  virtual absl::StatusOr<std::vector<pid_t>> Pids() const = 0;
};

// Loads a device program and attaches it to a v2 cgroup directory
// (device_program.h); a seam so the v2 driver is testable on a fake tree.
using DeviceProgramAttacher =
    std::function<absl::Status(const std::string& cgroup_dir, const std::vector<bpf_insn>& program)>;

// The cgroupfs driver for `layout` addressing `<root>/<parent>/<id>`; the v2
// driver confines devices through `attach_devices`.
std::unique_ptr<CgroupManager> NewCgroupManager(const Layout& layout, const std::string& parent,
                                                const std::string& id,
                                                DeviceProgramAttacher attach_devices = nullptr);

// Helpers shared by the drivers (exposed for tests).
// "key value" lines → map (memory.stat, cpu.stat, memory.events).
std::map<std::string, uint64_t> ParseFlatKeyed(const std::string& text);
// Docker's v2 conversion of cpu.shares (2..262144) to cpu.weight (1..10000).
uint64_t SharesToWeight(uint64_t shares);
// cgroup.procs text → pids (blank and malformed lines skipped).
std::vector<pid_t> ParsePids(const std::string& text);
// Docker's v2 conversion of blkio weight (10..1000) to io.weight (1..10000).
uint64_t BlkioWeightToIoWeight(uint64_t weight);

}  // namespace berth::runtimed::cgroups
