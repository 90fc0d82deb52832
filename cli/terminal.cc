#include "cli/terminal.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <utility>

#include "absl/status/status.h"
#include "common/status/status.h"

namespace berth::cli {
namespace {

// State the signal handlers read. Handlers may only touch sig_atomic_t
// flags and plain data written before the flag was set.
volatile sig_atomic_t g_raw_active = 0;
int g_raw_fd = -1;
struct termios g_raw_saved;

constexpr int kFatalSignals[] = {SIGTERM, SIGHUP, SIGQUIT};
struct sigaction g_previous_actions[std::size(kFatalSignals)];

void RestoreOnFatalSignal(int sig) {
  if (g_raw_active) {
    // tcsetattr is async-signal-safe (POSIX.1-2008, signal-safety(7)).
    tcsetattr(g_raw_fd, TCSANOW, &g_raw_saved);
    g_raw_active = 0;
  }
  signal(sig, SIG_DFL);
  raise(sig);
}

volatile sig_atomic_t g_winch_fd = -1;

void OnWinch(int) {
  const int saved_errno = errno;
  if (g_winch_fd >= 0) {
    char byte = 0;
    // A full pipe already holds a pending notification: dropping is fine.
    (void)!write(g_winch_fd, &byte, 1);
  }
  errno = saved_errno;
}

}  // namespace

bool IsTerminal(int fd) { return isatty(fd) == 1; }

std::optional<ConsoleSize> GetTerminalSize(int fd) {
  struct winsize ws {};
  if (ioctl(fd, TIOCGWINSZ, &ws) != 0 || ws.ws_row == 0 || ws.ws_col == 0) {
    return std::nullopt;
  }
  return ConsoleSize{ws.ws_row, ws.ws_col};
}

absl::StatusOr<std::unique_ptr<RawTerminal>> RawTerminal::Enable(int fd) {
  if (!IsTerminal(fd)) {
    return absl::FailedPreconditionError("the input device is not a TTY");
  }
  if (g_raw_active) {
    return absl::FailedPreconditionError("the terminal is already in raw mode");
  }
  struct termios saved;
  if (tcgetattr(fd, &saved) != 0) {
    return ErrnoToStatus(errno, "tcgetattr");
  }
  struct termios raw = saved;
  cfmakeraw(&raw);
  g_raw_fd = fd;
  g_raw_saved = saved;
  g_raw_active = 1;
  struct sigaction action {};
  action.sa_handler = RestoreOnFatalSignal;
  sigemptyset(&action.sa_mask);
  for (size_t i = 0; i < std::size(kFatalSignals); ++i) {
    sigaction(kFatalSignals[i], &action, &g_previous_actions[i]);
  }
  if (tcsetattr(fd, TCSANOW, &raw) != 0) {
    const int err = errno;
    g_raw_active = 0;
    for (size_t i = 0; i < std::size(kFatalSignals); ++i) {
      sigaction(kFatalSignals[i], &g_previous_actions[i], nullptr);
    }
    return ErrnoToStatus(err, "tcsetattr");
  }
  return std::unique_ptr<RawTerminal>(new RawTerminal(fd, saved));
}

RawTerminal::~RawTerminal() { Restore(); }

void RawTerminal::Restore() {
  if (restored_) {
    return;
  }
  restored_ = true;
  tcsetattr(fd_, TCSANOW, &saved_);
  g_raw_active = 0;
  for (size_t i = 0; i < std::size(kFatalSignals); ++i) {
    sigaction(kFatalSignals[i], &g_previous_actions[i], nullptr);
  }
}

absl::StatusOr<std::unique_ptr<ResizeWatcher>> ResizeWatcher::Start(
    std::function<void()> on_resize) {
  if (g_winch_fd >= 0) {
    return absl::FailedPreconditionError("a resize watcher is already running");
  }
  int winch_pipe[2];
  if (pipe2(winch_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
    return ErrnoToStatus(errno, "pipe2");
  }
  int stop_pipe[2];
  if (pipe2(stop_pipe, O_CLOEXEC) != 0) {
    const int err = errno;
    close(winch_pipe[0]);
    close(winch_pipe[1]);
    return ErrnoToStatus(err, "pipe2");
  }
  g_winch_fd = winch_pipe[1];
  struct sigaction action {};
  action.sa_handler = OnWinch;
  action.sa_flags = SA_RESTART;
  sigemptyset(&action.sa_mask);
  sigaction(SIGWINCH, &action, nullptr);

  std::unique_ptr<ResizeWatcher> watcher(new ResizeWatcher(std::move(on_resize), stop_pipe[1]));
  watcher->thread_ = std::thread([w = watcher.get(), winch_read = winch_pipe[0],
                                  stop_read = stop_pipe[0]] {
    struct pollfd fds[2] = {{winch_read, POLLIN, 0}, {stop_read, POLLIN, 0}};
    for (;;) {
      if (poll(fds, 2, -1) < 0) {
        if (errno == EINTR) {
          continue;
        }
        break;
      }
      if (fds[1].revents != 0) {
        break;
      }
      if (fds[0].revents & POLLIN) {
        char buf[64];
        // Drain: several signals in a row need only one resize.
        while (read(winch_read, buf, sizeof(buf)) > 0) {
        }
        w->on_resize_();
      }
    }
    close(winch_read);
    close(stop_read);
  });
  return watcher;
}

ResizeWatcher::ResizeWatcher(std::function<void()> on_resize, int stop_write_fd)
    : on_resize_(std::move(on_resize)), stop_write_fd_(stop_write_fd) {}

ResizeWatcher::~ResizeWatcher() {
  signal(SIGWINCH, SIG_DFL);
  const int winch_write = g_winch_fd;
  g_winch_fd = -1;
  close(stop_write_fd_);  // wakes the thread with POLLHUP
  if (thread_.joinable()) {
    thread_.join();
  }
  close(winch_write);
}

}  // namespace berth::cli
