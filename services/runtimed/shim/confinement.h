// The process-level confinement the container init applies after the root
// filesystem is ready (docs/security.md): rlimits, the capability sets,
// no_new_privs and the seccomp filter. The order matters and is fixed here:
//
//   ApplyRlimits → DropBoundingSet → (setuid, by the caller, with KEEPCAPS)
//   → SetProcessCapabilities(keep_sys_admin) → ... → FinalizeBeforeExec
//
// A seccomp filter may be installed only with no_new_privs set or with
// CAP_SYS_ADMIN in the effective set. Without no_new_privs (Docker's default)
// CAP_SYS_ADMIN is kept in the effective and permitted sets until the filter
// is loaded, then dropped with one last capset, so the filter is loaded last
// but for that call. Linux-only; run in the cloned init (single-threaded).
//
// These functions make their syscalls directly (prctl, capset, setrlimit,
// mount for the masks): the container init reaches each as one step of
// ProcessOps (process_ops.h), so its unit tests check when they run, not
// what they do; the root integration tests cover that.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "services/runtimed/spec/shim_config.h"

namespace berth::runtimed::shim {

// setrlimit for each; a hard limit above the current one needs
// CAP_SYS_RESOURCE, so EPERM names the limit.
absl::Status ApplyRlimits(const std::vector<spec::Rlimit>& rlimits);

// Drops every capability not in `keep` from the bounding set (needs
// CAP_SETPCAP, so call while still root with full capabilities) and clears
// the ambient set.
absl::Status DropBoundingSet(uint64_t keep);

// Sets permitted and effective to `caps` (plus CAP_SYS_ADMIN when
// `keep_sys_admin`), inheritable to none.
absl::Status SetProcessCapabilities(uint64_t caps, bool keep_sys_admin);

// The seccomp filter of `security` as BPF ("" when there is none), read
// during setup from the program runtimed compiled (SeccompCache), so that
// loading it at the end is one syscall. FailedPrecondition when a profile
// comes without its program.
absl::StatusOr<std::string> ReadSeccompProgram(const spec::SecuritySpec& security);

// After the shim's go-ahead, right before execve: no_new_privs if asked, the
// seccomp filter `bpf` (if any), then the final capability sets.
absl::Status FinalizeBeforeExec(const spec::SecuritySpec& security, const std::string& bpf);

// Whether SetProcessCapabilities must keep CAP_SYS_ADMIN for the filter.
// Inline: the set-up sequence (container_setup.cc, unit-tested without this
// file's syscalls) decides with it too.
inline bool NeedsSysAdminForSeccomp(const spec::SecuritySpec& security) {
  return !security.seccomp_profile.empty() && !security.no_new_privileges;
}

// Masks (a /dev/null bind for files, an empty read-only tmpfs for
// directories) and read-only remounts, after pivot_root; paths that do not
// exist on this kernel are skipped.
absl::Status ApplyPathRestrictions(const spec::SecuritySpec& security);

}  // namespace berth::runtimed::shim
