// Resource limits (--ulimit) by Docker's names, and the defaults a container
// gets. Pure; the init calls setrlimit with the result.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::runtimed::spec {

struct Rlimit {
  std::string name;  // Docker's name: "nofile", "nproc", ...
  uint64_t soft = 0;
  uint64_t hard = 0;
  bool operator==(const Rlimit&) const = default;
};

// The RLIMIT_* resource of a Docker name, or -1 when unknown.
int RlimitResource(const std::string& name);

// What the host lets a process without CAP_SYS_RESOURCE set: the hard limit
// runtimed itself runs with, per resource (getrlimit; tests pass a fake).
using HostHardLimit = uint64_t (*)(int resource);
uint64_t CurrentHardLimit(int resource);

// The container's limits: a default for open files (1048576, Docker's usual,
// lowered to the host's hard limit) replaced or joined by `requested`.
// InvalidArgument for an unknown name (`invalid ulimit type: foo`), soft above
// hard, a negative value, or a hard limit above what the host allows (raising
// it needs CAP_SYS_RESOURCE, which root here lacks): the message names the
// limit and the host's maximum.
absl::StatusOr<std::vector<Rlimit>> ResolveRlimits(const std::vector<Rlimit>& requested,
                                                   HostHardLimit host_hard = CurrentHardLimit);

}  // namespace berth::runtimed::spec
