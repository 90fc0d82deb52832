// The init's side of its conversation with berth-shim, shared by the
// container init (container_init.h) and the exec init (exec_init.h).
//
// Over a SOCK_SEQPACKET socketpair (sync_fd):
//   shim → child  'G'        the child is in its cgroups: go on with setup
//   child → shim  'P' + fd   (tty only) the pty master, via SCM_RIGHTS
//   child → shim  'R'        set up; the executable was found; waits for START
//   child → shim  'E' text   setup or exec failed (the child then exits)
//   shim → child  'S'        exec now
// A successful execve closes sync_fd (it is CLOEXEC), which the shim reads as
// the end of the conversation.
#pragma once

#include <string>

#include "absl/status/status.h"

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

// One message of the conversation above ("" text for the one-byte ones).
void SendMessage(int sync_fd, char kind, const std::string& text = "");
// Reports `status` as 'E' with exactly its message, and exits 1.
[[noreturn]] void Fail(int sync_fd, const absl::Status& status);
// Blocks for the shim's one-byte message; false when the shim went away.
bool Expect(int sync_fd, char kind);

}  // namespace berth::runtimed::shim
