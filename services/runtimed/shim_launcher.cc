#include "services/runtimed/shim_launcher.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/fs/fs.h"
#include "common/status/status.h"
#include "services/runtimed/shim/protocol.h"

namespace berth::runtimed {
namespace {

// Moves fd to >= 10 so that the child's dup2 onto 0..3 never aliases it.
int HighFd(int fd) {
  int high = fcntl(fd, F_DUPFD_CLOEXEC, 10);
  close(fd);
  return high;
}

pid_t RawFork() {
  return static_cast<pid_t>(syscall(SYS_clone, SIGCHLD, nullptr, nullptr, nullptr, nullptr));
}

// Reads the readiness report until EOF (the shim closes fd 3 after it).
absl::StatusOr<std::string> ReadReport(int fd, int timeout_ms) {
  std::string report;
  char buf[4096];
  while (true) {
    pollfd p{fd, POLLIN, 0};
    int ready = poll(&p, 1, timeout_ms);
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) return absl::DeadlineExceededError("berth-shim did not report in time");
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    report.append(buf, static_cast<size_t>(n));
    if (report.find('\n') != std::string::npos) break;  // one line is the whole report
  }
  return std::string(absl::StripTrailingAsciiWhitespace(report));
}

}  // namespace

absl::StatusOr<pid_t> LaunchShim(const ShimLaunch& launch) {
  int ready[2];
  if (pipe2(ready, O_CLOEXEC) != 0) return ErrnoToStatus(errno, "pipe");
  fs::ScopedFd ready_read(ready[0]);
  fs::ScopedFd ready_write(HighFd(ready[1]));
  fs::ScopedFd devnull(HighFd(open("/dev/null", O_RDONLY | O_CLOEXEC)));
  fs::ScopedFd log(HighFd(
      open(launch.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640)));
  if (!ready_write.valid() || !devnull.valid() || !log.valid()) {
    return ErrnoToStatus(errno, "prepare shim stdio");
  }
  // Everything the child needs is built before fork.
  std::string arg0 = launch.shim_path;
  std::string arg1 = launch.config_path;
  char* argv[] = {arg0.data(), arg1.data(), nullptr};
  const std::string exec_failed = absl::StrCat("ERROR cannot execute '", launch.shim_path,
                                               "' (--shim_path)\n");

  // Raw clone instead of fork(): no pthread_atfork handlers (gRPC installs
  // some) run in a child of this multithreaded process.
  pid_t middle = RawFork();
  if (middle < 0) return ErrnoToStatus(errno, "fork");
  if (middle == 0) {
    if (RawFork() != 0) _exit(0);  // the middle child exits; the shim is orphaned
    setsid();
    dup2(devnull.get(), 0);
    dup2(log.get(), 1);
    dup2(log.get(), 2);
    dup2(ready_write.get(), shim::kReadyFd);
    close_range(shim::kReadyFd + 1, ~0U, 0);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int sig = 1; sig < NSIG; ++sig) signal(sig, SIG_DFL);
    execv(argv[0], argv);
    (void)!write(shim::kReadyFd, exec_failed.data(), exec_failed.size());
    _exit(127);
  }
  ready_write.reset();
  int status = 0;
  while (waitpid(middle, &status, 0) < 0 && errno == EINTR) {
  }
  BERTH_ASSIGN_OR_RETURN(std::string report, ReadReport(ready_read.get(), launch.timeout_ms));
  int pid = 0;
  if (absl::StartsWith(report, "CREATED ") && absl::SimpleAtoi(report.substr(8), &pid)) {
    return static_cast<pid_t>(pid);
  }
  if (absl::StartsWith(report, "ERROR ")) {
    std::string text = report.substr(6);
    if (absl::StartsWith(text, "exec:")) return absl::InvalidArgumentError(text);
    return absl::FailedPreconditionError(text);
  }
  return absl::InternalError(absl::StrCat("berth-shim gave no readiness report (got '", report,
                                          "'); see ", launch.log_path));
}

}  // namespace berth::runtimed
