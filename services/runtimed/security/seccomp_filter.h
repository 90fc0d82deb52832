#pragma once

// Turns a resolved SeccompProfile into a classic BPF seccomp program with
// libseccomp and loads it. See docs/design/seccomp.md for the layout of the
// program (an ENOSYS prologue in front of libseccomp's filter).

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/runtimed/security/seccomp_profile.h"

namespace berth::runtimed::security {

// Syscall numbers up to this far above an architecture's first syscall number
// are "syscalls newer than the profile" when they are above every number the
// profile names: they answer ENOSYS instead of the default action, so that
// glibc's clone3→clone fallback and similar probes of new syscalls work.
// Numbers above the bound get the default action.
inline constexpr int kNewSyscallBound = 1023;

// The filter as a classic BPF program (struct sock_filter array, 8 bytes per
// instruction), exactly what LoadSeccompProfile loads: the profile's rules for
// the native architecture plus the profile's `architectures` that the linked
// libseccomp knows (x86 and x32 on amd64), and in front of them the ENOSYS
// prologue for newer syscalls (skipped when the default action is ALLOW or
// LOG, where new syscalls are allowed anyway). Syscall names the linked
// libseccomp does not know are skipped. Rules whose action equals the default
// action are dropped (libseccomp refuses them; they change nothing).
// Returns InvalidArgument for a profile the parser would have refused and
// Internal (with the libseccomp errno text) when libseccomp fails.
absl::StatusOr<std::string> ExportSeccompBpf(const SeccompProfile& profile);

// Loads a program returned by ExportSeccompBpf into the calling thread with
// seccomp(SECCOMP_SET_MODE_FILTER). On success it allocates nothing and makes
// one syscall, so it is safe in a child cloned from a multithreaded process:
// compile with ExportSeccompBpf before clone, load in the child.
//
// Like runc, it does not set no_new_privs: the caller must either still hold
// CAP_SYS_ADMIN (load before dropping capabilities, so setuid programs in the
// container keep working as in Docker) or have set PR_SET_NO_NEW_PRIVS.
// Everything the caller does after loading (setgroups, setuid, capset,
// execve, ...) must be allowed by the profile; the default profile allows
// those. Returns PermissionDenied (EACCES) without either, InvalidArgument for
// a malformed program, Internal for other errno values.
absl::Status LoadSeccompBpf(const std::string& bpf);

// ExportSeccompBpf followed by LoadSeccompBpf. Allocates before the load, so
// in a child of a multithreaded process prefer the two-step form.
absl::Status LoadSeccompProfile(const SeccompProfile& profile);

}  // namespace berth::runtimed::security
