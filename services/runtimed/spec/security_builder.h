// berth.v1.SecurityOptions (what the user asked for) → SecuritySpec (what the
// init applies), against the facts of this host. Pure but for the seccomp
// profile's libseccomp-free parsing; runtimed runs it at create to refuse bad
// options early, and again at start to write the shim's config.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "berth/v1/types.pb.h"
#include "services/runtimed/spec/resources_builder.h"
#include "services/runtimed/spec/rlimits.h"
#include "services/runtimed/spec/shim_config.h"

namespace berth::runtimed::spec {

// What the host allows, read once by runtimed (tests pass their own).
struct HostFacts {
  // runtimed's own bounding set: what --privileged and "ALL" can grant.
  uint64_t capability_mask = 0;
  // pids.max for every container; 0 = none. (--pids-limit comes with the
  // resources issue; until then this default stops fork bombs.)
  int64_t default_pids_limit = 0;
  HostHardLimit hard_limit = CurrentHardLimit;
  // CPUs and cgroup controllers, for --memory, --cpus, ... (resources_builder.h).
  HostResources resources;
  // --init: the host binary bind-mounted read-only at /sbin/docker-init
  // (Debian's tini-static: static, so it runs in any image).
  std::string init_binary = "/usr/bin/tini-static";
  // --runtime runc: Debian's runc (package runc).
  std::string runc_binary = "/usr/sbin/runc";

  // This process's bounding set and rlimits, this host's resources, no pids limit.
  static HostFacts OfThisProcess();
};

// runtimed's CapBnd, from the text of /proc/self/status (0 when absent).
uint64_t BoundingSetFromStatus(const std::string& proc_status);

// Docker's default masked and read-only paths.
const std::vector<std::string>& DefaultMaskedPaths();
const std::vector<std::string>& DefaultReadonlyPaths();
// Docker's default device cgroup allow-list (after deny "a").
const std::vector<std::string>& DefaultDeviceRules();

// The resolved spec; InvalidArgument naming the bad option (unknown
// capability, malformed seccomp profile, unknown or too high ulimit).
absl::StatusOr<SecuritySpec> BuildSecuritySpec(const v1::SecurityOptions& options,
                                               const HostFacts& host);

}  // namespace berth::runtimed::spec
