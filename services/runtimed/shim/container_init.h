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

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/runtimed/shim/init_helpers.h"
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
  // Exec only: a pidfd of the container's init, whose namespaces it joins.
  int join_fd = -1;
};

// Runs in the cloned child; never returns.
[[noreturn]] void RunContainerInit(const spec::ShimConfig& config, const InitFds& fds);

// The steps the container init shares with the exec init (exec_init.h), so
// that an exec is confined by the very same code as the main process.

// One message of the conversation above ("" text for the one-byte ones).
void SendMessage(int sync_fd, char kind, const std::string& text = "");
// Reports `status` as 'E' and exits.
[[noreturn]] void Fail(int sync_fd, const absl::Status& status);
// Blocks for the shim's one-byte message; false when the shim went away.
bool Expect(int sync_fd, char kind);
// setsid, then the pty (allocated from the /dev/ptmx of the current mount
// namespace, master sent to the shim) or the pipes as fds 0-2.
absl::Status SetUpStdio(const spec::ShimConfig& c, const InitFds& fds, int* tty_slave);
// Resolves c.user from the current root's /etc/passwd and /etc/group and
// switches to it, keeping the permitted capabilities (PR_SET_KEEPCAPS).
absl::StatusOr<ResolvedUser> SwitchUser(const spec::ShimConfig& c, int tty_slave);
// What FindExecutable needs to know about a path in the current root.
FileInfo StatForExec(const std::string& path);
// After 'S': signals reset, FinalizeBeforeExec (no_new_privs, seccomp, last
// capset), execve of `path`; reports an exec error as 'E' and exits 127.
[[noreturn]] void ExecProcess(const spec::ShimConfig& config, const std::vector<std::string>& env,
                              const std::string& path, const std::string& seccomp_bpf,
                              int sync_fd);

}  // namespace berth::runtimed::shim
