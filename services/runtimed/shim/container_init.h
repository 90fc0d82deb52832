// The container's init process: what runs in the child berth-shim clones with
// new pid/mount/uts/ipc (and maybe net) namespaces, up to execve. The shim is
// single-threaded, so the child may run ordinary C++ here (no locks can be
// held by other threads at clone time).
//
// Conversation with the shim over a SOCK_SEQPACKET socketpair (sync_fd):
//   shim → child  'G'        the child is in its cgroups: go on with setup
//   child → shim  'P' + fd   (tty only) the pty master, via SCM_RIGHTS
//   child → shim  'R'        set up; the executable was found; waits for START
//   child → shim  'E' text   setup or exec failed (the child then exits)
//   shim → child  'S'        exec now
// A successful execve closes sync_fd (it is CLOEXEC), which the shim reads as
// the end of the conversation.
#pragma once

#include "services/runtimed/spec/shim_config.h"

namespace berth::runtimed::shim {

struct InitFds {
  int sync_fd = -1;
  // Non-tty containers: the child's ends of the stdio pipes (stdin may be
  // /dev/null). Ignored with a tty (the child allocates its pty itself so that
  // the slave lives in the container's own devpts: `tty` prints /dev/pts/0).
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
};

// Runs in the cloned child; never returns.
[[noreturn]] void RunContainerInit(const spec::ShimConfig& config, const InitFds& fds);

}  // namespace berth::runtimed::shim
