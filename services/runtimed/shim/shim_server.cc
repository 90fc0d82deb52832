#include "services/runtimed/shim/shim_server.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status/status.h"
#include "services/runtimed/logs/json_log.h"
#include "services/runtimed/shim/container_init.h"
#include "services/runtimed/shim/exec_init.h"
#include "services/runtimed/shim/fd_passing.h"
#include "services/runtimed/shim/runc_driver.h"
#include "spdlog/spdlog.h"

namespace berth::runtimed::shim {
namespace {

// An attacher that lets this much output pile up is dropped rather than
// letting the shim's memory grow without bound.
constexpr size_t kMaxConnBuffer = 16 << 20;
// How long output may keep flowing after the init exited (grandchildren that
// escaped the pid namespace kill would otherwise hold the pipes forever).
constexpr int64_t kDrainTimeoutMs = 2000;
constexpr int kSetupTimeoutMs = 60000;

int64_t NowMs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t NowUnixNano() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

void SetNonBlocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

// Receives one message of the init conversation, with an fd if one came.
absl::StatusOr<MessageWithFd> ReceiveFromInit(int fd) {
  pollfd p{fd, POLLIN, 0};
  int ready;
  do {
    ready = poll(&p, 1, kSetupTimeoutMs);
  } while (ready < 0 && errno == EINTR);
  if (ready == 0) return absl::DeadlineExceededError("container init did not report");
  return ReceiveWithFd(fd, "read from container init");
}

}  // namespace

ShimServer::ShimServer(spec::ShimConfig config) : config_(std::move(config)) {}

ShimServer::~ShimServer() = default;

absl::Status ShimServer::Listen() {
  if (config_.socket_path.size() >= sizeof(sockaddr_un::sun_path)) {
    return absl::InvalidArgumentError(absl::StrCat("socket path too long: ", config_.socket_path));
  }
  listen_.reset(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!listen_.valid()) return ErrnoToStatus(errno, "socket");
  unlink(config_.socket_path.c_str());
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, config_.socket_path.c_str(), sizeof(addr.sun_path) - 1);
  if (bind(listen_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    return ErrnoToStatus(errno, absl::StrCat("bind '", config_.socket_path, "'"));
  }
  chmod(config_.socket_path.c_str(), 0600);
  if (listen(listen_.get(), 64) != 0) return ErrnoToStatus(errno, "listen");
  return absl::OkStatus();
}

absl::Status ShimServer::SetUpPipes() {
  if (config_.tty) return absl::OkStatus();  // the init hands over a pty master
  int fds[2];
  if (config_.open_stdin) {
    if (pipe2(fds, O_CLOEXEC) != 0) return ErrnoToStatus(errno, "stdin pipe");
    child_stdin_.reset(fds[0]);
    stdin_.reset(fds[1]);
  } else {
    child_stdin_.reset(open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (!child_stdin_.valid()) return ErrnoToStatus(errno, "open /dev/null");
  }
  if (pipe2(fds, O_CLOEXEC) != 0) return ErrnoToStatus(errno, "stdout pipe");
  stdout_.reset(fds[0]);
  child_stdout_.reset(fds[1]);
  if (pipe2(fds, O_CLOEXEC) != 0) return ErrnoToStatus(errno, "stderr pipe");
  stderr_.reset(fds[0]);
  child_stderr_.reset(fds[1]);
  return absl::OkStatus();
}

absl::StatusOr<pid_t> ShimServer::CloneInit() {
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) {
    return ErrnoToStatus(errno, "socketpair");
  }
  sync_.reset(pair[0]);
  child_sync_.reset(pair[1]);
  unsigned long flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC;
  if (config_.netns_path.empty()) flags |= CLONE_NEWNET;
  if (config_.join_pid != 0) {
    BERTH_RETURN_IF_ERROR(OpenJoinTarget());
    // An exec creates no namespace. Joining the pid namespace affects only
    // the children of this (single-threaded, exec-only) shim, so the process
    // cloned next is inside the container's pid namespace from its start.
    if (setns(join_.get(), CLONE_NEWPID) != 0) {
      return ErrnoToStatus(errno, "join the container's pid namespace");
    }
    flags = 0;
  }
  // The raw syscall without a stack behaves like fork(): the child continues
  // here on a copy of our (single-threaded) address space.
  long pid = syscall(SYS_clone, flags | SIGCHLD, nullptr, nullptr, nullptr, nullptr);
  if (pid < 0) return ErrnoToStatus(errno, "clone container init");
  if (pid == 0) {
    // The launcher's readiness pipe must not stay open in the container: the
    // launcher reads it to EOF.
    close(kReadyFd);
    sync_.reset();
    listen_.reset();
    InitFds fds{child_sync_.get(), child_stdin_.get(), child_stdout_.get(), child_stderr_.get(),
                join_.get()};
    if (config_.join_pid != 0) RunExecInit(config_, fds);
    RunContainerInit(config_, fds);
  }
  child_sync_.reset();
  child_stdin_.reset();
  child_stdout_.reset();
  child_stderr_.reset();
  return static_cast<pid_t>(pid);
}

// The exec's target, pinned: a pidfd names that very process, so a pid
// reused after the container died cannot lend its namespaces (setns on the
// pidfd then fails with ESRCH). What the pid named when it was opened is
// checked too: never the host's pid namespace (that would put the exec on
// the host), and, with cgroups, the container's own cgroup.
absl::Status ShimServer::OpenJoinTarget() {
  int fd = static_cast<int>(syscall(SYS_pidfd_open, config_.join_pid, 0));
  if (fd < 0) return ErrnoToStatus(errno, "the container's init is gone");
  join_.reset(fd);
  struct stat own{}, target{};
  std::string ns = absl::StrCat("/proc/", config_.join_pid, "/ns/pid");
  if (stat("/proc/self/ns/pid", &own) != 0 || stat(ns.c_str(), &target) != 0) {
    return ErrnoToStatus(errno, "stat the container's pid namespace");
  }
  if (own.st_ino == target.st_ino && own.st_dev == target.st_dev) {
    return absl::FailedPreconditionError(absl::StrCat(
        "process ", config_.join_pid, " is not the container's init (host pid namespace)"));
  }
  if (!config_.cgroup_parent.empty()) {
    absl::StatusOr<std::string> cgroup =
        fs::ReadFile(absl::StrCat("/proc/", config_.join_pid, "/cgroup"));
    if (!cgroup.ok() || cgroup->find(config_.join_container) == std::string::npos) {
      return absl::FailedPreconditionError(absl::StrCat(
          "process ", config_.join_pid, " is not in the cgroup of container ",
          config_.join_container));
    }
  }
  // The pidfd is still that process: it had not died and been replaced
  // between pidfd_open and the checks above.
  if (syscall(SYS_pidfd_send_signal, join_.get(), 0, nullptr, 0) != 0) {
    return ErrnoToStatus(errno, "the container's init is gone");
  }
  return absl::OkStatus();
}

absl::Status ShimServer::PlaceInCgroups() {
  if (config_.cgroup_parent.empty()) return absl::OkStatus();
  BERTH_ASSIGN_OR_RETURN(cgroups::Layout layout, cgroups::DetectHostLayout());
  if (config_.join_pid != 0) {
    // An exec joins the container's cgroup, which belongs to the container's
    // shim: kept in joined_cgroup_ so Finish neither removes it nor reads
    // the container's OOM kills as the exec's.
    joined_cgroup_ =
        cgroups::NewCgroupManager(layout, config_.cgroup_parent, config_.join_container);
    return joined_cgroup_->AddProcess(pid_);
  }
  cgroups_ = cgroups::NewCgroupManager(layout, config_.cgroup_parent, config_.id);
  BERTH_RETURN_IF_ERROR(cgroups_->Create());
  // Limits first, then the process: it never runs unconfined.
  BERTH_RETURN_IF_ERROR(cgroups_->ApplyDevices(config_.security.device_rules));
  cgroups::Limits limits = config_.resources;
  // --pids-limit replaces runtimed's default pids.max (-1: none at all).
  if (limits.pids_limit == 0) limits.pids_limit = config_.security.pids_limit;
  BERTH_RETURN_IF_ERROR(cgroups_->ApplyLimits(limits));
  return cgroups_->AddProcess(pid_);
}

absl::Status ShimServer::AwaitReady() {
  if (send(sync_.get(), "G", 1, MSG_NOSIGNAL) != 1) return ErrnoToStatus(errno, "release init");
  while (true) {
    BERTH_ASSIGN_OR_RETURN(MessageWithFd received, ReceiveFromInit(sync_.get()));
    const std::string& msg = received.data;
    if (msg.empty()) return absl::InternalError("container init exited during setup");
    switch (msg[0]) {
      case 'P':
        stdin_.reset(fcntl(received.fd.get(), F_DUPFD_CLOEXEC, 0));
        stdout_ = std::move(received.fd);
        break;
      case 'R':
        return absl::OkStatus();
      case 'E':
        return msg.compare(1, 5, "exec:") == 0 ? absl::InvalidArgumentError(msg.substr(1))
                                                 : absl::FailedPreconditionError(msg.substr(1));
      default:
        return absl::InternalError(absl::StrCat("unexpected message from init: ", msg));
    }
  }
}

absl::StatusOr<pid_t> ShimServer::CreateContainer() {
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGCHLD);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  signal_.reset(signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK));
  epoll_.reset(epoll_create1(EPOLL_CLOEXEC));
  // An exec has no log: its output goes only to its attachers.
  if (!config_.log_path.empty()) {
    absl::StatusOr<logs::RotatingLogFile> log =
        logs::RotatingLogFile::Open(config_.log_path, config_.log_rotation);
    if (!log.ok()) return log.status();
    log_ = *std::move(log);
  }
  if (!signal_.valid() || !epoll_.valid()) {
    return ErrnoToStatus(errno, "set up shim");
  }
  BERTH_RETURN_IF_ERROR(Listen());
  BERTH_RETURN_IF_ERROR(SetUpPipes());
  if (UsesRunc()) {
    absl::StatusOr<pid_t> created = CreateWithRunc();
    if (!created.ok()) {
      if (config_.join_pid == 0) RuncCleanUp(config_);
      unlink(config_.socket_path.c_str());
    }
    return created;
  }
  absl::StatusOr<pid_t> cloned = CloneInit();
  if (!cloned.ok()) {
    unlink(config_.socket_path.c_str());
    return cloned.status();
  }
  pid_ = *cloned;
  absl::Status placed = PlaceInCgroups();
  absl::Status ready = placed.ok() ? AwaitReady()
                                   : absl::FailedPreconditionError(absl::StrCat(
                                         "place the container in its cgroups: ", placed.message()));
  if (!ready.ok()) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    if (cgroups_) (void)cgroups_->Remove();
    unlink(config_.socket_path.c_str());
    return ready;
  }
  return pid_;
}

std::string ShimServer::ConsoleSocketPath() const {
  // Next to the shim's socket and never longer (it must fit in sun_path).
  std::string path = config_.socket_path;
  if (absl::EndsWith(path, ".sock")) path.resize(path.size() - 5);
  return path + ".con";
}

std::string ShimServer::ExecDir() const {
  return config_.exit_path.substr(0, config_.exit_path.rfind('/'));
}

absl::StatusOr<pid_t> ShimServer::CreateWithRunc() {
  if (config_.tty) {
    BERTH_ASSIGN_OR_RETURN(console_, ListenConsoleSocket(ConsoleSocketPath()));
  }
  if (config_.join_pid != 0) {
    // An exec runs at START (runc exec has no create step); until then
    // nothing holds a process. The pid reported is the shim's own.
    BERTH_RETURN_IF_ERROR(OpenJoinTarget());
    BERTH_RETURN_IF_ERROR(PrepareRuncExec(config_, ExecDir()));
    return getpid();
  }
  RuncCleanUp(config_, /*quiet=*/true);  // what a killed shim of this container left
  BERTH_RETURN_IF_ERROR(PrepareRuncBundle(config_));
  RuncStdio stdio{child_stdin_.get(), child_stdout_.get(), child_stderr_.get(),
                  config_.tty ? ConsoleSocketPath() : ""};
  BERTH_ASSIGN_OR_RETURN(pid_, RuncCreate(config_, stdio));
  child_stdin_.reset();
  child_stdout_.reset();
  child_stderr_.reset();
  if (config_.tty) {
    BERTH_ASSIGN_OR_RETURN(stdout_, ReceivePtyMaster(console_.get()));
    stdin_.reset(fcntl(stdout_.get(), F_DUPFD_CLOEXEC, 0));
    console_.reset();
    unlink(ConsoleSocketPath().c_str());
  }
  // runc made the cgroups (berth/<id>); the shim only reads the OOM count.
  if (!config_.cgroup_parent.empty()) {
    absl::StatusOr<cgroups::Layout> layout = cgroups::DetectHostLayout();
    if (layout.ok()) {
      runc_cgroup_ = cgroups::NewCgroupManager(*layout, config_.cgroup_parent, config_.id);
    }
  }
  return pid_;
}

void ShimServer::EndExecThatDidNotStart(const absl::Status& error) {
  bool missing = absl::StrContains(error.message(), "executable file not found") ||
                 absl::StrContains(error.message(), "no such file or directory");
  exit_code_ = missing ? 127 : 126;
  finished_unix_nano_ = NowUnixNano();
  state_ = State::kExited;
  drain_deadline_ms_ = NowMs() + kDrainTimeoutMs;
}

absl::Status ShimServer::StartWithRunc() {
  if (config_.join_pid == 0) return RuncStart(config_);
  RuncStdio stdio{child_stdin_.get(), child_stdout_.get(), child_stderr_.get(),
                  config_.tty ? ConsoleSocketPath() : ""};
  absl::StatusOr<pid_t> pid = RuncExec(config_, ExecDir(), stdio);
  child_stdin_.reset();
  child_stdout_.reset();
  child_stderr_.reset();
  if (!pid.ok()) return pid.status();
  pid_ = *pid;
  if (config_.tty) {
    BERTH_ASSIGN_OR_RETURN(stdout_, ReceivePtyMaster(console_.get()));
    stdin_.reset(fcntl(stdout_.get(), F_DUPFD_CLOEXEC, 0));
    console_.reset();
    unlink(ConsoleSocketPath().c_str());
    SetNonBlocking(stdout_.get());
    SetNonBlocking(stdin_.get());
    Watch(stdout_.get(), EPOLLIN);
    if (!stdin_buffer_.empty()) WriteStdin();
  }
  // The process may have ended already (a quick command): it was reparented
  // to this shim and its SIGCHLD is queued on the signalfd, so Reap sees it.
  return absl::OkStatus();
}

void ShimServer::Watch(int fd, uint32_t events) {
  epoll_event ev{};
  ev.events = events;
  ev.data.fd = fd;
  if (epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, fd, &ev) != 0) {
    epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev);
  }
}

void ShimServer::Unwatch(int fd) { epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr); }

void ShimServer::Run() {
  Watch(listen_.get(), EPOLLIN);
  Watch(signal_.get(), EPOLLIN);
  if (stdout_.valid()) {
    SetNonBlocking(stdout_.get());
    Watch(stdout_.get(), EPOLLIN);
  }
  if (stderr_.valid()) {
    SetNonBlocking(stderr_.get());
    Watch(stderr_.get(), EPOLLIN);
  }
  if (stdin_.valid()) SetNonBlocking(stdin_.get());
  while (true) {
    int timeout = -1;
    if (state_ == State::kExited) {
      if (OutputDrained() || NowMs() >= drain_deadline_ms_) break;
      timeout = static_cast<int>(drain_deadline_ms_ - NowMs());
    }
    epoll_event events[32];
    int n = epoll_wait(epoll_.get(), events, 32, timeout);
    if (n < 0 && errno != EINTR) {
      spdlog::error("container={} epoll_wait: {}", config_.id, std::strerror(errno));
      break;
    }
    for (int i = 0; i < n; ++i) HandleEvent(events[i].data.fd, events[i].events);
  }
  Finish();
}

void ShimServer::HandleEvent(int fd, uint32_t events) {
  if (fd == listen_.get()) {
    Accept();
  } else if (fd == signal_.get()) {
    signalfd_siginfo info;
    while (read(fd, &info, sizeof(info)) == sizeof(info)) {
    }
    Reap();
  } else if (stdout_.valid() && fd == stdout_.get()) {
    ReadOutput(fd, kFrameStdout);
  } else if (stderr_.valid() && fd == stderr_.get()) {
    ReadOutput(fd, kFrameStderr);
  } else if (stdin_.valid() && fd == stdin_.get()) {
    WriteStdin();
  } else if (conns_.count(fd) != 0) {
    if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) HandleConnReadable(fd);
    if (conns_.count(fd) != 0 && (events & EPOLLOUT)) HandleConnWritable(fd);
  }
}

void ShimServer::Accept() {
  while (true) {
    int fd = accept4(listen_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) return;
    conns_.emplace(fd, Conn{});
    Watch(fd, EPOLLIN);
  }
}

void ShimServer::ReadOutput(int fd, FrameType stream) {
  char buf[32 * 1024];
  ssize_t n = read(fd, buf, sizeof(buf));
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n <= 0) {
    // EOF, or EIO from a pty master once every slave is closed.
    Unwatch(fd);
    if (stream == kFrameStdout) {
      stdout_.reset();
    } else {
      stderr_.reset();
    }
    return;
  }
  std::string chunk(buf, static_cast<size_t>(n));
  if (log_.has_value()) {
    const char* name = stream == kFrameStdout ? "stdout" : "stderr";
    std::string lines;
    for (const auto& line : logs::SplitChunk(name, chunk, NowUnixNano())) {
      lines += logs::EncodeLine(line);
    }
    if (absl::Status written = log_->Append(lines); !written.ok()) {
      spdlog::warn("container={} {}", config_.id, written.ToString());
    }
  }
  std::string frame = EncodeFrame(stream, chunk);
  std::vector<int> slow;
  for (auto& [conn_fd, conn] : conns_) {
    if (conn.kind != ConnKind::kAttach) continue;
    if ((stream == kFrameStdout && !conn.want_stdout) ||
        (stream == kFrameStderr && !conn.want_stderr)) {
      continue;
    }
    if (conn.out.size() > kMaxConnBuffer) {
      slow.push_back(conn_fd);
      continue;
    }
    Send(conn_fd, conn, frame);
  }
  for (int conn_fd : slow) {
    spdlog::warn("container={} dropping an attacher that does not read", config_.id);
    CloseConn(conn_fd);
  }
}

void ShimServer::WriteStdin() {
  while (!stdin_buffer_.empty()) {
    ssize_t n = write(stdin_.get(), stdin_buffer_.data(), stdin_buffer_.size());
    if (n < 0 && errno == EAGAIN) {
      Watch(stdin_.get(), EPOLLOUT);
      return;
    }
    if (n < 0) {  // EPIPE: the container closed its stdin; input is moot
      stdin_buffer_.clear();
      break;
    }
    stdin_buffer_.erase(0, static_cast<size_t>(n));
  }
  if (config_.tty) {
    Unwatch(stdin_.get());
  } else {
    CloseStdinWhenDrained();
    if (stdin_.valid()) Unwatch(stdin_.get());
  }
}

void ShimServer::CloseStdinWhenDrained() {
  if (stdin_close_pending_ && stdin_buffer_.empty() && stdin_.valid()) {
    Unwatch(stdin_.get());
    stdin_.reset();
  }
}

void ShimServer::DetachStdin(const Conn& conn) {
  // dockerd's rule: an attacher's stdin ending closes the container's stdin
  // only for StdinOnce without a tty (with a tty the shell must survive a
  // detach).
  if (!conn.want_stdin || !config_.stdin_once || config_.tty) return;
  stdin_close_pending_ = true;
  CloseStdinWhenDrained();
}

void ShimServer::Reap() {
  while (true) {
    int status = 0;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0) return;
    if (pid != pid_ || state_ == State::kExited) continue;  // an adopted orphan
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    finished_unix_nano_ = NowUnixNano();
    state_ = State::kExited;
    drain_deadline_ms_ = NowMs() + kDrainTimeoutMs;
    spdlog::info("container={} exited with {}", config_.id, exit_code_);
  }
}

bool ShimServer::OutputDrained() const { return !stdout_.valid() && !stderr_.valid(); }

}  // namespace berth::runtimed::shim
