// The container init's set-up sequence, from the shim's 'G' to the resolved
// executable ('R' is the caller's), written against the seams so its order is
// unit-tested without root: ProcessOps for the process-wide and privileged
// calls, Mounter for every mount of the rootfs plan and of the root itself.
// RunContainerInit (container_init.h) passes LinuxProcessOps and LinuxMounter.
//
// The order, and why:
//   'G' (now in the container's cgroups) → read the seccomp program (a host
//   path) → unshare the cgroup namespace (rooted at that cgroup) → join the
//   netns, or bring lo up in a fresh one (before any mount: the netns file is
//   a host path) → make every mount private (nothing propagates back to the
//   host; pivot_root refuses shared mounts) → umask 0 → the rootfs plan →
//   clone the /etc files (host paths) → pivot_root → attach the /etc files
//   (targets resolved in the new root) → mkdir cwd → mask and read-only paths
//   → read-only root (after them: they mount below it) → hostname → stdio →
//   rlimits → drop the bounding set (needs CAP_SETPCAP, so as root) → switch
//   user → capabilities → chdir cwd → umask 022 → PATH lookup.
// Any step's error ends the sequence and is returned unchanged: its message
// is what Fail sends to the shim.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/runtimed/shim/init_channel.h"
#include "services/runtimed/shim/init_helpers.h"
#include "services/runtimed/shim/mounter.h"
#include "services/runtimed/shim/process_ops.h"
#include "services/runtimed/spec/shim_config.h"

namespace berth::runtimed::shim {

// Runs the sequence above for `c`; adds HOME to `env` when missing and sets
// `seccomp_bpf` to the filter to load before exec ("" for none). Returns the
// executable's path. Aborted "shim went away" when 'G' does not come.
absl::StatusOr<std::string> SetUpContainer(const spec::ShimConfig& c, const InitFds& fds,
                                           std::vector<std::string>& env, std::string* seccomp_bpf,
                                           ProcessOps& ops, Mounter& mounter);

// Resolves c.user (and c.group_add) from the current root's /etc/passwd and
// /etc/group, gives the tty (if `tty_slave` >= 0) to the user and switches
// to it, keeping the permitted capabilities. Shared with the exec init.
absl::StatusOr<ResolvedUser> SwitchUser(const spec::ShimConfig& c, int tty_slave, ProcessOps& ops);

}  // namespace berth::runtimed::shim
