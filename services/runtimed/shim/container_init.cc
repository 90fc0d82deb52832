#include "services/runtimed/shim/container_init.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/runtimed/shim/confinement.h"
#include "services/runtimed/shim/container_setup.h"
#include "services/runtimed/shim/mounter.h"
#include "services/runtimed/shim/process_ops.h"

namespace berth::runtimed::shim {

using spec::ShimConfig;

FileInfo StatForExec(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return FileInfo{};
  return FileInfo{true, S_ISDIR(st.st_mode), access(path.c_str(), X_OK) == 0};
}

void ExecProcess(const ShimConfig& config, const std::vector<std::string>& env,
                 const std::string& path, const std::string& seccomp_bpf, int sync_fd) {
  std::vector<char*> argv;
  for (const auto& a : config.args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  sigset_t none;
  sigemptyset(&none);
  for (int sig = 1; sig < NSIG; ++sig) signal(sig, SIG_DFL);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  // Loaded last: from here on only execve (and the error report) runs under
  // the filter.
  absl::Status confined = FinalizeBeforeExec(config.security, seccomp_bpf);
  if (!confined.ok()) {
    SendMessage(sync_fd, 'E', std::string(confined.message()));
    _exit(1);
  }
  execve(path.c_str(), argv.data(), envp.data());
  int err = errno;
  SendMessage(
      sync_fd, 'E',
      absl::StrCat("exec: \"", config.args[0], "\": ", absl::AsciiStrToLower(std::strerror(err))));
  _exit(127);
}

void RunContainerInit(const ShimConfig& config, const InitFds& fds) {
  std::vector<std::string> env = config.env;
  std::string seccomp_bpf;
  LinuxProcessOps ops(fds.sync_fd);
  LinuxMounter mounter;
  absl::StatusOr<std::string> path = SetUpContainer(config, fds, env, &seccomp_bpf, ops, mounter);
  if (!path.ok()) Fail(fds.sync_fd, path.status());
  SendMessage(fds.sync_fd, 'R');
  if (!Expect(fds.sync_fd, 'S')) _exit(1);
  ExecProcess(config, env, *path, seccomp_bpf, fds.sync_fd);
}

}  // namespace berth::runtimed::shim
