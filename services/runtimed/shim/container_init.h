// The container's init process: what runs in the child berth-shim clones with
// new pid/mount/uts/ipc (and maybe net) namespaces, up to execve. The shim is
// single-threaded, so the child may run ordinary C++ here (no locks can be
// held by other threads at clone time).
//
// The conversation with the shim is in init_channel.h; the set-up sequence
// itself, written against the ProcessOps and Mounter seams, in
// container_setup.h. This file wires the real ones and execs.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/runtimed/shim/init_channel.h"
#include "services/runtimed/shim/init_helpers.h"
#include "services/runtimed/spec/shim_config.h"

namespace berth::runtimed::shim {

// Runs in the cloned child; never returns.
[[noreturn]] void RunContainerInit(const spec::ShimConfig& config, const InitFds& fds);

// The steps the container init shares with the exec init (exec_init.h), so
// that an exec is confined by the very same code as the main process.

// What FindExecutable needs to know about a path in the current root.
FileInfo StatForExec(const std::string& path);
// After 'S': signals reset, FinalizeBeforeExec (no_new_privs, seccomp, last
// capset), execve of `path`; reports an exec error as 'E' and exits 127.
[[noreturn]] void ExecProcess(const spec::ShimConfig& config, const std::vector<std::string>& env,
                              const std::string& path, const std::string& seccomp_bpf, int sync_fd);

}  // namespace berth::runtimed::shim
