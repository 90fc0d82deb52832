#pragma once

// A Docker seccomp profile before resolution (with archMap and
// includes/excludes). Shared by the JSON parser and the default profile table
// so that both resolve through the same code. Not part of the public API.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "services/runtimed/security/seccomp_profile.h"

namespace berth::runtimed::security::internal {

struct KernelVersion {
  int major = 0;
  int minor = 0;
};

// Docker's includes/excludes object. Empty lists match everything.
struct RuleCondition {
  std::vector<std::string> caps;
  std::vector<std::string> arches;  // Docker/Go arch names: amd64, x86, x32, arm64, ...
  std::optional<KernelVersion> min_kernel;

  bool empty() const { return caps.empty() && arches.empty() && !min_kernel; }
};

struct ConditionalRule {
  SeccompRule rule;
  RuleCondition includes;
  RuleCondition excludes;
  std::string comment;
};

struct ArchMapEntry {
  std::string arch;  // SCMP_ARCH_*
  std::vector<std::string> subarches;
};

struct UnresolvedProfile {
  std::string default_action;
  std::optional<int> default_errno;
  std::vector<std::string> architectures;
  std::vector<ArchMapEntry> arch_map;
  std::vector<ConditionalRule> rules;
};

// Drops the rules whose conditions do not hold for `capabilities` on `host`
// and picks the architectures (the explicit list, or the archMap entry of the
// host's arch).
SeccompProfile Resolve(const UnresolvedProfile& profile,
                       const std::vector<std::string>& capabilities, const SeccompHost& host);

// Docker's JSON text of an unresolved profile.
std::string ToDockerJson(const UnresolvedProfile& profile);

// The default profile table (seccomp_default_profile.cc).
const UnresolvedProfile& DefaultProfileTable();

}  // namespace berth::runtimed::security::internal
