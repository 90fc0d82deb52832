// Per-container cgroups for cgroup v1 (this machine's hybrid layout): one
// directory `<hierarchy>/<parent>/<id>` in each of the pids, memory and cpu
// hierarchies, found through /proc/self/mountinfo (never hard-coded).
// TODO(cgroups v2): the unified layout behind the same interface; limits
// (memory, cpu shares/quota, pids.max) once the records carry them.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace berth::runtimed::shim {

// Mount points of the cgroup v1 hierarchies that carry one of `controllers`,
// parsed from the text of /proc/self/mountinfo.
std::vector<std::string> FindV1Hierarchies(const std::string& mountinfo,
                                           const std::vector<std::string>& controllers);

// Whether memory.oom_control (cgroup v1) reports an OOM kill ("oom_kill N",
// N > 0).
bool OomKillReported(const std::string& oom_control);

class ContainerCgroups {
 public:
  // Creates `<hierarchy>/<parent>/<id>` under each hierarchy.
  static absl::StatusOr<ContainerCgroups> Create(const std::vector<std::string>& hierarchies,
                                                 const std::string& parent, const std::string& id);
  // Writes the limits that confine the container before it runs: in the
  // devices hierarchy, deny "a" then each of `device_rules`; in the pids
  // hierarchy, pids.max (when `pids_limit` > 0). FailedPrecondition when a
  // hierarchy the limits need is missing.
  absl::Status ApplyLimits(const std::vector<std::string>& device_rules, int64_t pids_limit) const;
  // Moves `pid` into every cgroup.
  absl::Status AddProcess(pid_t pid) const;
  // True when the kernel OOM-killed a process of the container.
  bool OomKilled() const;
  // Removes the directories (they must be empty: call after the container exited).
  absl::Status Remove() const;

  const std::vector<std::string>& paths() const { return paths_; }

 private:
  std::vector<std::string> paths_;
};

}  // namespace berth::runtimed::shim
