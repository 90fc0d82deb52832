#include "services/runtimed/shim/runc_driver.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <thread>

#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status/status.h"
#include "services/runtimed/shim/fd_passing.h"
#include "services/runtimed/shim/init_helpers.h"
#include "services/runtimed/shim/protocol.h"
#include "services/runtimed/shim/rootfs_apply.h"
#include "services/runtimed/shim/rootfs_copy_up.h"
#include "services/runtimed/spec/oci_spec.h"
#include "spdlog/spdlog.h"

namespace berth::runtimed::shim {
namespace {

using json = nlohmann::json;

// How long one runc call may take before it is killed.
constexpr auto kRuncTimeout = std::chrono::seconds(120);

// The last error runc logged (--log-format json), "" when none.
std::string LastRuncError(const std::string& log_path) {
  absl::StatusOr<std::string> text = fs::ReadFile(log_path);
  if (!text.ok()) return "";
  std::string last;
  for (absl::string_view line : absl::StrSplit(*text, '\n')) {
    json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_object() && j.value("level", "") == "error") last = j.value("msg", "");
  }
  return last;
}

// runc's words as the executor's: the `exec: "x": ...` part when runc
// could not run the command (the client derives 126/127 from it).
absl::Status RuncError(const std::string& verb, const std::string& message) {
  size_t at = message.find("exec: \"");
  if (at != std::string::npos) return absl::InvalidArgumentError(message.substr(at));
  return absl::FailedPreconditionError(
      absl::StrCat("runc ", verb, ": ", message.empty() ? "failed" : message));
}

// Runs runc with `args` and waits (bounded) for it.
absl::Status RunRunc(const spec::RuncSettings& runc, const std::string& log_path,
                     const std::vector<std::string>& args, const RuncStdio& stdio) {
  std::vector<std::string> argv = {runc.binary, "--root", runc.root, "--log", log_path,
                                   "--log-format", "json"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> cargv;
  for (std::string& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  (void)unlink(log_path.c_str());
  pid_t pid = fork();
  if (pid < 0) return ErrnoToStatus(errno, "fork runc");
  if (pid == 0) {
    // Only async-signal-safe calls: stdio, then the shim's signal state
    // undone (runc and the container must not inherit a blocked SIGCHLD or
    // ignored SIGPIPE), then exec.
    int null = open("/dev/null", O_RDWR);
    int fds[3] = {stdio.in >= 0 ? stdio.in : null, stdio.out >= 0 ? stdio.out : null,
                  stdio.err >= 0 ? stdio.err : null};
    for (int i = 0; i < 3; ++i) {
      if (dup2(fds[i], i) < 0) _exit(127);
    }
    if (kReadyFd > 2) close(kReadyFd);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int sig : {SIGPIPE, SIGHUP, SIGINT}) signal(sig, SIG_DFL);
    execv(cargv[0], cargv.data());
    _exit(127);
  }
  auto deadline = std::chrono::steady_clock::now() + kRuncTimeout;
  int status = 0;
  while (true) {
    pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) return ErrnoToStatus(errno, "wait for runc");
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return absl::DeadlineExceededError(absl::StrCat("runc ", args.front(), " timed out"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return absl::OkStatus();
  return RuncError(args.front(), LastRuncError(log_path));
}

absl::StatusOr<pid_t> ReadPidFile(const std::string& path) {
  BERTH_ASSIGN_OR_RETURN(std::string text, fs::ReadFile(path));
  pid_t pid = 0;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(text), &pid) || pid <= 0) {
    return absl::InternalError(absl::StrCat("runc wrote no pid to ", path));
  }
  return pid;
}

// A file of the container's filesystem below `root_fd`, reached without
// following any symlink, only when a regular file of at most 1 MiB (as the
// init reads /etc/passwd): "" otherwise.
std::string ReadInRoot(int root_fd, const std::string& path) {
  absl::StatusOr<fs::ScopedFd> at = OpenInRoot(root_fd, path, /*create_dirs=*/false);
  if (!at.ok()) return "";
  fs::ScopedFd fd(open(FdPath(at->get()).c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  struct stat st{};
  if (!fd.valid() || fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return "";
  std::string text(std::min<size_t>(st.st_size, 1 << 20), '\0');
  ssize_t n = read(fd.get(), text.data(), text.size());
  text.resize(n > 0 ? n : 0);
  return text;
}

// process.user from the user and --group-add, against the files below
// `root_fd` (dockerd's rules: init_helpers.h).
absl::Status ResolveUserInto(const spec::ShimConfig& c, int root_fd, json& process) {
  std::string group = ReadInRoot(root_fd, "/etc/group");
  BERTH_ASSIGN_OR_RETURN(ResolvedUser user,
                         ResolveUser(c.user, ReadInRoot(root_fd, "/etc/passwd"), group));
  BERTH_ASSIGN_OR_RETURN(std::vector<gid_t> added, ResolveAdditionalGroups(c.group_add, group));
  spec::SetOciUser(process, user.uid, user.gid, SupplementaryGroups(user, added));
  return absl::OkStatus();
}

std::string RuncLog(const std::string& dir) { return dir + "/runc.log"; }

}  // namespace

absl::Status PrepareRuncBundle(const spec::ShimConfig& c) {
  if (c.mounts.empty()) return absl::InvalidArgumentError("no rootfs mount");
  BERTH_RETURN_IF_ERROR(fs::MakeDirs(c.rootfs_dir, 0755));
  const spec::MountSpec& root = c.mounts.front();
  MountArgs args = ParseMountOptions(root.type, root.options);
  if (mount(root.source.c_str(), c.rootfs_dir.c_str(), root.type.c_str(), args.flags,
            args.data.c_str()) != 0) {
    return ErrnoToStatus(errno, absl::StrCat("mount the rootfs at '", c.rootfs_dir, "'"));
  }
  fs::ScopedFd root_fd(open(c.rootfs_dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root_fd.valid()) return ErrnoToStatus(errno, "open the rootfs");
  for (const spec::MountSpec& m : c.container_mounts) {
    if (m.copy_up) BERTH_RETURN_IF_ERROR(CopyUpIfEmpty(root_fd.get(), m.target, m.source));
  }
  const std::string config_path = c.runc.bundle + "/config.json";
  BERTH_ASSIGN_OR_RETURN(std::string text, fs::ReadFile(config_path));
  json config = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!config.is_object() || !config.contains("process")) {
    return absl::InvalidArgumentError(absl::StrCat("malformed OCI config ", config_path));
  }
  BERTH_RETURN_IF_ERROR(ResolveUserInto(c, root_fd.get(), config["process"]));
  return fs::WriteFileAtomically(config_path, config.dump(2), 0600);
}

absl::StatusOr<pid_t> RuncCreate(const spec::ShimConfig& c, const RuncStdio& stdio) {
  const std::string pid_file = c.runc.bundle + "/init.pid";
  std::vector<std::string> args = {"create", "--bundle", c.runc.bundle, "--pid-file", pid_file};
  if (!stdio.console_socket.empty()) {
    args.insert(args.end(), {"--console-socket", stdio.console_socket});
  }
  args.push_back(c.id);
  BERTH_RETURN_IF_ERROR(RunRunc(c.runc, RuncLog(c.runc.bundle), args, stdio));
  return ReadPidFile(pid_file);
}

absl::Status RuncStart(const spec::ShimConfig& c) {
  return RunRunc(c.runc, RuncLog(c.runc.bundle), {"start", c.id}, RuncStdio{});
}

absl::Status PrepareRuncExec(const spec::ShimConfig& c, const std::string& dir) {
  // The running container's own view of its files.
  fs::ScopedFd root_fd(open(absl::StrCat("/proc/", c.join_pid, "/root").c_str(),
                            O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root_fd.valid()) return ErrnoToStatus(errno, "open the container's root");
  json process = spec::OciProcess(c);
  BERTH_RETURN_IF_ERROR(ResolveUserInto(c, root_fd.get(), process));
  BERTH_RETURN_IF_ERROR(fs::MakeDirs(dir, 0700));
  return fs::WriteFileAtomically(dir + "/process.json", process.dump(2), 0600);
}

absl::StatusOr<pid_t> RuncExec(const spec::ShimConfig& c, const std::string& dir,
                               const RuncStdio& stdio) {
  const std::string pid_file = dir + "/exec.pid";
  std::vector<std::string> args = {"exec", "--detach", "--pid-file", pid_file,
                                   "--process", dir + "/process.json"};
  if (!stdio.console_socket.empty()) {
    args.insert(args.end(), {"--console-socket", stdio.console_socket});
  }
  args.push_back(c.join_container);
  BERTH_RETURN_IF_ERROR(RunRunc(c.runc, RuncLog(dir), args, stdio));
  return ReadPidFile(pid_file);
}

void RuncCleanUp(const spec::ShimConfig& c, bool quiet) {
  absl::Status deleted =
      RunRunc(c.runc, RuncLog(c.runc.bundle), {"delete", "--force", c.id}, RuncStdio{});
  if (!deleted.ok() && !quiet) spdlog::warn("container={} {}", c.id, deleted.ToString());
  if (umount2(c.rootfs_dir.c_str(), MNT_DETACH) != 0 && errno != EINVAL && !quiet) {
    spdlog::warn("container={} unmount rootfs: {}", c.id, std::strerror(errno));
  }
}

absl::StatusOr<fs::ScopedFd> ListenConsoleSocket(const std::string& path) {
  sockaddr_un addr{};
  if (path.size() >= sizeof(addr.sun_path)) {
    return absl::InvalidArgumentError(absl::StrCat("console socket path too long: ", path));
  }
  fs::ScopedFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd.valid()) return ErrnoToStatus(errno, "console socket");
  unlink(path.c_str());
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    return ErrnoToStatus(errno, absl::StrCat("bind '", path, "'"));
  }
  chmod(path.c_str(), 0600);
  if (listen(fd.get(), 1) != 0) return ErrnoToStatus(errno, "listen on the console socket");
  return fd;
}

absl::StatusOr<fs::ScopedFd> ReceivePtyMaster(int listen_fd) {
  // runc has finished: its connection and message are queued already.
  fs::ScopedFd conn(accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC));
  if (!conn.valid()) return ErrnoToStatus(errno, "runc did not send the console");
  BERTH_ASSIGN_OR_RETURN(MessageWithFd received, ReceiveWithFd(conn.get(), "receive the console"));
  if (received.fd.valid()) return std::move(received.fd);
  return absl::InternalError("runc sent no console fd");
}

}  // namespace berth::runtimed::shim
