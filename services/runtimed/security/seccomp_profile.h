#pragma once

// Seccomp profiles as data: Docker's JSON format in and out, and Berth's
// default profile (an equivalent of Docker's). Pure code: no libseccomp, no
// syscalls except uname() in CurrentSeccompHost(). The filter itself is built
// by seccomp_filter.h. See docs/design/seccomp.md.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::runtimed::security {

// One argument comparison of a rule. `op` uses Docker's names: SCMP_CMP_NE,
// SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_EQ, SCMP_CMP_GE, SCMP_CMP_GT,
// SCMP_CMP_MASKED_EQ. For SCMP_CMP_MASKED_EQ, `value` is the mask and
// `value_two` the expected result of (arg & mask), as in Docker.
struct SeccompArg {
  uint32_t index = 0;  // 0..5
  uint64_t value = 0;
  uint64_t value_two = 0;
  std::string op;

  bool operator==(const SeccompArg&) const = default;
};

// One resolved rule: the action applies to each syscall in `names` when all
// of `args` match. `action` is one of SCMP_ACT_ALLOW, SCMP_ACT_ERRNO,
// SCMP_ACT_KILL (= SCMP_ACT_KILL_THREAD), SCMP_ACT_KILL_PROCESS,
// SCMP_ACT_TRAP, SCMP_ACT_LOG, SCMP_ACT_TRACE. `errno_ret` is used by ERRNO
// (unset means EPERM, as in runc) and TRACE (the tracer's message); it is
// cleared for the other actions.
struct SeccompRule {
  std::vector<std::string> names;
  std::string action;
  std::optional<int> errno_ret;
  std::vector<SeccompArg> args;

  bool operator==(const SeccompRule&) const = default;
};

// A resolved profile: no includes/excludes left, `architectures` already
// picked from an archMap. An empty `architectures` means the native one only.
struct SeccompProfile {
  std::string default_action;
  std::optional<int> default_errno;
  std::vector<std::string> architectures;  // SCMP_ARCH_* names
  std::vector<SeccompRule> syscalls;

  bool operator==(const SeccompProfile&) const = default;
};

// What includes/excludes and archMap are matched against.
struct SeccompHost {
  std::string go_arch;    // Docker's arch name in includes.arches: "amd64", "arm64", ...
  std::string scmp_arch;  // the archMap key: "SCMP_ARCH_X86_64", ...
  int kernel_major = 0;
  int kernel_minor = 0;
};

// The machine this process runs on (compile-time arch, uname() kernel).
SeccompHost CurrentSeccompHost();

// Parses a profile in Docker's JSON format: defaultAction, defaultErrnoRet,
// architectures or archMap, syscalls[] with names (or name), action,
// errnoRet, args and includes/excludes {caps, arches, minKernel}. Rules whose
// includes/excludes do not match `capabilities` ("CAP_SYS_ADMIN"; case and
// the CAP_ prefix do not matter) and the host are dropped, so the result is
// resolved. Matching follows Docker: includes.caps needs every listed cap,
// excludes.caps drops the rule if any listed cap is present, minKernel
// compares with the host kernel.
//
// Returns InvalidArgument naming the offending field for malformed JSON, a
// body over 1 MiB, an unknown action/op/architecture, SCMP_ACT_NOTIFY,
// flags or listenerPath (not supported), a rule without syscall names or with
// both `name` and `names`, an argument index over 5, errnoRet out of range
// (0..4095 for ERRNO, 0..65535 for TRACE), both architectures and archMap.
// Unknown syscall names are not an error: like Docker, the filter builder
// skips names the linked libseccomp does not know.
absl::StatusOr<SeccompProfile> ParseDockerSeccompProfile(
    std::string_view json, const std::vector<std::string>& capabilities);
absl::StatusOr<SeccompProfile> ParseDockerSeccompProfile(
    std::string_view json, const std::vector<std::string>& capabilities, const SeccompHost& host);

// Berth's default profile, equivalent to Docker's default (deny with EPERM,
// an allow-list, argument filters for clone, personality and socket, clone3
// answering ENOSYS, capability-conditional groups), resolved for
// `capabilities` on the host. The differences from Docker's table are listed
// in docs/design/seccomp.md.
SeccompProfile DefaultSeccompProfile(const std::vector<std::string>& capabilities);
SeccompProfile DefaultSeccompProfile(const std::vector<std::string>& capabilities,
                                     const SeccompHost& host);

// The default profile before resolution, in Docker's JSON format (with
// archMap and includes/excludes). ParseDockerSeccompProfile of this text
// equals DefaultSeccompProfile for the same capabilities and host.
std::string DefaultSeccompProfileJson();

// A resolved profile in Docker's JSON format (what runtimed writes into the
// shim's config.json). ParseDockerSeccompProfile(SeccompProfileToJson(p), {})
// == p for every profile the parser can produce.
std::string SeccompProfileToJson(const SeccompProfile& profile);

}  // namespace berth::runtimed::security
