// The exec init: what the exec shim's child runs for `docker exec`, up to
// execve. Unlike the container init it creates nothing: it joins the
// namespaces of the running container's init (the pid namespace was already
// joined by the shim before the fork, see ShimServer::CloneInit) and applies
// the same process confinement with the same code (container_setup.h,
// confinement.h), so an exec process is confined exactly like the main one:
//
//   'G' (placed in the container's cgroup) → read the seccomp program (a host
//   path) → open /proc/<pid>/ns/{cgroup,ipc,uts,net,mnt} → setns each, mnt
//   last (it changes root and cwd to the container's root, where the masked
//   and read-only paths already are) → stdio / pty from the container's devpts
//   → rlimits → bounding set → user from the container's /etc/passwd →
//   capabilities → chdir → PATH lookup → 'R' … 'S' → no_new_privs, seccomp,
//   last capset → execve.
//
// The conversation with the shim is the container init's (init_channel.h).
#pragma once

#include "services/runtimed/shim/container_init.h"
#include "services/runtimed/spec/shim_config.h"

namespace berth::runtimed::shim {

// Runs in the forked child; config.join_pid is the container init's host
// pid. Never returns.
[[noreturn]] void RunExecInit(const spec::ShimConfig& config, const InitFds& fds);

}  // namespace berth::runtimed::shim
