// ShimServer: the control connections (requests, attach frames, waiters) and
// the final report.
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/fs/fs.h"
#include "services/runtimed/shim/runc_driver.h"
#include "services/runtimed/shim/shim_server.h"
#include "spdlog/spdlog.h"

namespace berth::runtimed::shim {
namespace {

constexpr size_t kMaxRequestLine = 4096;

void SetBlockingWithTimeout(int fd, int seconds) {
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  timeval tv{seconds, 0};
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

void WriteAllBlocking(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

}  // namespace

void ShimServer::Send(int fd, Conn& conn, const std::string& bytes) {
  conn.out += bytes;
  HandleConnWritable(fd);
}

void ShimServer::Reply(int fd, Conn& conn, const std::string& line, bool close_after) {
  conn.close_after_flush = close_after;
  Send(fd, conn, line + "\n");
}

void ShimServer::HandleConnWritable(int fd) {
  Conn& conn = conns_.at(fd);
  while (!conn.out.empty()) {
    ssize_t n = send(fd, conn.out.data(), conn.out.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EAGAIN) break;
    if (n < 0) {
      CloseConn(fd);
      return;
    }
    conn.out.erase(0, static_cast<size_t>(n));
  }
  if (conn.out.empty() && conn.close_after_flush) {
    CloseConn(fd);
    return;
  }
  Watch(fd, conn.out.empty() ? uint32_t{EPOLLIN} : uint32_t{EPOLLIN | EPOLLOUT});
}

void ShimServer::CloseConn(int fd) {
  auto it = conns_.find(fd);
  if (it == conns_.end()) return;
  if (it->second.kind == ConnKind::kAttach) DetachStdin(it->second);
  Unwatch(fd);
  close(fd);
  conns_.erase(it);
}

void ShimServer::HandleConnReadable(int fd) {
  char buf[32 * 1024];
  ssize_t n = recv(fd, buf, sizeof(buf), 0);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  Conn& conn = conns_.at(fd);
  if (n <= 0) {
    // A waiter or attacher that goes away is a detach, never an error.
    CloseConn(fd);
    return;
  }
  if (conn.kind == ConnKind::kAttach) {
    conn.decoder.Feed(buf, static_cast<size_t>(n));
    HandleAttachFrames(fd, conn);
    return;
  }
  if (conn.kind == ConnKind::kWait) return;  // waiters have nothing more to say
  std::string data(buf, static_cast<size_t>(n));
  size_t nl = data.find('\n');
  if (nl == std::string::npos) {
    conn.line += data;
    if (conn.line.size() > kMaxRequestLine) Reply(fd, conn, "ERR request line too long", true);
    return;
  }
  conn.line += data.substr(0, nl);
  std::string rest = data.substr(nl + 1);
  HandleRequest(fd, conn, conn.line);
  // Frames may follow an ATTACH line in the same segment.
  if (conns_.count(fd) != 0 && conn.kind == ConnKind::kAttach && !rest.empty()) {
    conn.decoder.Feed(rest.data(), rest.size());
    HandleAttachFrames(fd, conn);
  }
}

void ShimServer::HandleRequest(int fd, Conn& conn, const std::string& line) {
  absl::StatusOr<Request> request = ParseRequest(line);
  if (!request.ok()) {
    Reply(fd, conn, absl::StrCat("ERR ", request.status().message()), true);
    return;
  }
  const std::string& cmd = request->command;
  const auto& args = request->args;
  if (cmd == "START") {
    HandleStart(fd, conn);
  } else if (cmd == "ATTACH") {
    conn.kind = ConnKind::kAttach;
    // A runc exec with a tty has its pty only from START on; input sent
    // before is kept for it.
    conn.want_stdin = args[0] == "1" && (stdin_.valid() || (UsesRunc() && config_.tty &&
                                                            state_ == State::kCreated));
    conn.want_stdout = args[1] == "1";
    conn.want_stderr = args[2] == "1";
    Reply(fd, conn, "OK", false);
  } else if (cmd == "RESIZE") {
    uint32_t h = 0, w = 0;
    if (config_.tty && stdout_.valid() && absl::SimpleAtoi(args[0], &h) &&
        absl::SimpleAtoi(args[1], &w)) {
      winsize ws{static_cast<unsigned short>(h), static_cast<unsigned short>(w), 0, 0};
      ioctl(stdout_.get(), TIOCSWINSZ, &ws);
    }
    Reply(fd, conn, "OK", true);
  } else if (cmd == "KILL") {
    int sig = 0;
    if (!absl::SimpleAtoi(args[0], &sig) || sig <= 0 || sig >= NSIG) {
      Reply(fd, conn, absl::StrCat("ERR invalid signal ", args[0]), true);
    } else if (state_ == State::kExited || pid_ <= 0) {
      Reply(fd, conn, "ERR container is not running", true);
    } else if (kill(pid_, sig) != 0) {
      Reply(fd, conn, absl::StrCat("ERR kill: ", std::strerror(errno)), true);
    } else {
      Reply(fd, conn, "OK", true);
    }
  } else if (cmd == "STATE") {
    const char* state = state_ == State::kCreated   ? "created"
                        : state_ == State::kRunning ? "running"
                                                    : "exited";
    Reply(fd, conn, absl::StrCat("OK ", state, " ", pid_, " ", exit_code_), true);
  } else if (cmd == "WAIT") {
    conn.kind = ConnKind::kWait;
  }
}

void ShimServer::HandleStart(int fd, Conn& conn) {
  if (state_ == State::kRunning) {
    Reply(fd, conn, absl::StrCat("OK ", pid_), true);
    return;
  }
  if (state_ != State::kCreated || (!sync_.valid() && !UsesRunc())) {
    Reply(fd, conn, "ERR container is not in the created state", true);
    return;
  }
  if (UsesRunc()) {
    absl::Status started = StartWithRunc();
    if (!started.ok()) {
      Reply(fd, conn, absl::StrCat("ERR ", started.message()), true);
      if (config_.join_pid != 0) EndExecThatDidNotStart(started);
      return;
    }
    state_ = State::kRunning;
    spdlog::info("container={} started by runc pid={}", config_.id, pid_);
    Reply(fd, conn, absl::StrCat("OK ", pid_), true);
    // A quick exit may have been reaped while runc ran: look again.
    Reap();
    return;
  }
  if (send(sync_.get(), "S", 1, MSG_NOSIGNAL) != 1) {
    Reply(fd, conn, absl::StrCat("ERR release init: ", std::strerror(errno)), true);
    return;
  }
  // The init's end is CLOEXEC: EOF means execve succeeded; otherwise it sends
  // the exec error. This blocks the loop only for the duration of an execve.
  char buf[4096];
  ssize_t n;
  do {
    n = recv(sync_.get(), buf, sizeof(buf), 0);
  } while (n < 0 && errno == EINTR);
  sync_.reset();
  if (n > 0 && buf[0] == 'E') {
    Reply(fd, conn, absl::StrCat("ERR ", std::string(buf + 1, static_cast<size_t>(n - 1))), true);
    return;
  }
  if (state_ == State::kCreated) state_ = State::kRunning;
  spdlog::info("container={} started pid={}", config_.id, pid_);
  Reply(fd, conn, absl::StrCat("OK ", pid_), true);
}

void ShimServer::HandleAttachFrames(int fd, Conn& conn) {
  while (true) {
    auto frame = conn.decoder.Next();
    if (!frame.ok()) {
      spdlog::warn("container={} bad attach frame: {}", config_.id, frame.status().ToString());
      CloseConn(fd);
      return;
    }
    if (!frame->has_value()) return;
    const Frame& f = **frame;
    if (f.type == kFrameStdin && conn.want_stdin &&
        (stdin_.valid() || state_ == State::kCreated)) {
      stdin_buffer_ += f.payload;
      if (stdin_.valid()) WriteStdin();
    } else if (f.type == kFrameCloseStdin) {
      DetachStdin(conn);
      conn.want_stdin = false;
    } else if (f.type == kFrameResize && config_.tty && stdout_.valid()) {
      auto size = DecodeResize(f.payload);
      if (size.ok()) {
        winsize ws{static_cast<unsigned short>(size->first),
                   static_cast<unsigned short>(size->second), 0, 0};
        ioctl(stdout_.get(), TIOCSWINSZ, &ws);
      }
    }
  }
}

void ShimServer::Finish() {
  if (log_.has_value() && !log_->Sync().ok()) spdlog::warn("container={} fsync log", config_.id);
  // Attachers first: their connection closing is how they learn the end, and
  // all output must reach them before that.
  std::vector<int> waiters;
  for (auto& [fd, conn] : conns_) {
    if (conn.kind == ConnKind::kWait) {
      waiters.push_back(fd);
      continue;
    }
    SetBlockingWithTimeout(fd, 5);
    WriteAllBlocking(fd, conn.out);
    close(fd);
  }
  bool oom = (cgroups_ != nullptr && cgroups_->OomKills() > 0) ||
             (runc_cgroup_ != nullptr && runc_cgroup_->OomKills() > 0);
  // runc's state and the host-side rootfs mount go before anyone learns of
  // the exit, so a restart can create the container again at once.
  if (UsesRunc() && config_.join_pid == 0) RuncCleanUp(config_);
  spec::ExitRecord exit{exit_code_, finished_unix_nano_, oom};
  absl::Status status = fs::WriteFileAtomically(config_.exit_path, spec::ExitToJson(exit));
  if (!status.ok()) spdlog::error("container={} {}", config_.id, status.ToString());
  // Nobody can connect any more: a late KILL finds no socket (not running).
  unlink(config_.socket_path.c_str());
  std::string reply =
      absl::StrCat("OK ", exit_code_, " ", finished_unix_nano_, " ", oom ? 1 : 0, "\n");
  for (int fd : waiters) {
    SetBlockingWithTimeout(fd, 5);
    WriteAllBlocking(fd, reply);
    close(fd);
  }
  conns_.clear();
  if (cgroups_) {
    status = cgroups_->Remove();
    if (!status.ok()) spdlog::warn("container={} {}", config_.id, status.ToString());
  }
}

}  // namespace berth::runtimed::shim
