#include "services/runtimed/shim/exec_init.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/fs/fs.h"
#include "common/status/status.h"
#include "services/runtimed/shim/confinement.h"
#include "services/runtimed/shim/container_setup.h"
#include "services/runtimed/shim/init_helpers.h"
#include "services/runtimed/shim/process_ops.h"
#include "services/runtimed/spec/capabilities.h"

namespace berth::runtimed::shim {
namespace {

// Joined in one setns on the init's pidfd: all from exactly that process,
// and the kernel orders them (mnt, which replaces root and cwd with the
// container's, comes with the rest). The cgroup namespace is joined only now
// that the shim placed us in the container's cgroup, so its root is that
// cgroup, as for the main process. The pid namespace was joined by the shim.
constexpr int kJoined = CLONE_NEWCGROUP | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNET | CLONE_NEWNS;

absl::Status JoinNamespaces(int pidfd) {
  if (setns(pidfd, kJoined) != 0) return ErrnoToStatus(errno, "join the container's namespaces");
  return absl::OkStatus();
}

absl::StatusOr<std::string> SetUp(const spec::ShimConfig& c, const InitFds& fds,
                                  std::vector<std::string>& env, std::string* seccomp_bpf) {
  if (!Expect(fds.sync_fd, 'G')) return absl::AbortedError("shim went away");
  // runtimed's compiled program lives on the host: read it before mnt.
  BERTH_ASSIGN_OR_RETURN(*seccomp_bpf, ReadSeccompProgram(c.security));
  BERTH_RETURN_IF_ERROR(JoinNamespaces(fds.join_fd));
  umask(022);
  // Only the stdio and user switch go through the seam here (shared with the
  // container init); the rest of the exec's set-up calls the kernel directly.
  LinuxProcessOps ops(fds.sync_fd);
  BERTH_ASSIGN_OR_RETURN(int tty_slave, ops.SetUpStdio(c, fds));
  BERTH_RETURN_IF_ERROR(ApplyRlimits(c.security.rlimits));
  uint64_t caps = spec::CapabilityMask(c.security.capabilities);
  BERTH_RETURN_IF_ERROR(DropBoundingSet(caps));
  BERTH_ASSIGN_OR_RETURN(ResolvedUser user, SwitchUser(c, tty_slave, ops));
  BERTH_RETURN_IF_ERROR(SetProcessCapabilities(caps, NeedsSysAdminForSeccomp(c.security)));
  if (EnvValue(env, "HOME").empty()) env.push_back("HOME=" + user.home);
  // Unlike the main process's, an exec's working directory is not created
  // (runc exec fails the same way).
  const std::string cwd = c.cwd.empty() ? "/" : c.cwd;
  if (chdir(cwd.c_str()) != 0) {
    return ErrnoToStatus(errno, absl::StrCat("chdir to cwd (\"", cwd, "\") set in config.json"));
  }
  return FindExecutable(c.args.empty() ? "" : c.args[0], EnvValue(env, "PATH"), StatForExec);
}

}  // namespace

void RunExecInit(const spec::ShimConfig& config, const InitFds& fds) {
  std::vector<std::string> env = config.env;
  std::string seccomp_bpf;
  absl::StatusOr<std::string> path = SetUp(config, fds, env, &seccomp_bpf);
  if (!path.ok()) Fail(fds.sync_fd, path.status());
  SendMessage(fds.sync_fd, 'R');
  if (!Expect(fds.sync_fd, 'S')) _exit(1);
  ExecProcess(config, env, *path, seccomp_bpf, fds.sync_fd);
}

}  // namespace berth::runtimed::shim
