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

volatile sig_atomic_t g_signal_pipe_fd = -1;

void ForwardSignalToPipe(int sig) {
  const int saved_errno = errno;
  const int fd = g_signal_pipe_fd;
  if (fd >= 0) {
    const unsigned char byte = static_cast<unsigned char>(sig);
    // A full pipe means the reader is far behind; dropping a signal then is
    // acceptable (a resize or a repeated Ctrl-C).
    (void)!write(fd, &byte, 1);
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

absl::StatusOr<std::unique_ptr<SignalWatcher>> SignalWatcher::Start(
    std::vector<int> signals, std::function<void(int)> on_signal) {
  if (g_signal_pipe_fd >= 0) {
    return absl::FailedPreconditionError("a signal watcher is already running");
  }
  int signal_pipe[2];
  if (pipe2(signal_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
    return ErrnoToStatus(errno, "pipe2");
  }
  int stop_pipe[2];
  if (pipe2(stop_pipe, O_CLOEXEC) != 0) {
    const int err = errno;
    close(signal_pipe[0]);
    close(signal_pipe[1]);
    return ErrnoToStatus(err, "pipe2");
  }
  g_signal_pipe_fd = signal_pipe[1];
  std::unique_ptr<SignalWatcher> watcher(
      new SignalWatcher(std::move(signals), std::move(on_signal), stop_pipe[1]));
  struct sigaction action {};
  action.sa_handler = ForwardSignalToPipe;
  action.sa_flags = SA_RESTART;
  sigemptyset(&action.sa_mask);
  watcher->previous_.resize(watcher->signals_.size());
  for (size_t i = 0; i < watcher->signals_.size(); ++i) {
    sigaction(watcher->signals_[i], &action, &watcher->previous_[i]);
  }
  watcher->thread_ = std::thread([w = watcher.get(), signal_read = signal_pipe[0],
                                  stop_read = stop_pipe[0], signal_write = signal_pipe[1]] {
    struct pollfd fds[2] = {{signal_read, POLLIN, 0}, {stop_read, POLLIN, 0}};
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
        unsigned char buf[64];
        const ssize_t n = read(signal_read, buf, sizeof(buf));
        // Several SIGWINCH in a row need only one resize; other signals are
        // each delivered.
        bool winch = false;
        for (ssize_t i = 0; i < n; ++i) {
          if (buf[i] == SIGWINCH) {
            winch = true;
          } else {
            w->on_signal_(buf[i]);
          }
        }
        if (winch) {
          w->on_signal_(SIGWINCH);
        }
      }
    }
    close(signal_read);
    close(stop_read);
    close(signal_write);
  });
  return watcher;
}

SignalWatcher::SignalWatcher(std::vector<int> signals, std::function<void(int)> on_signal,
                             int stop_write_fd)
    : signals_(std::move(signals)),
      on_signal_(std::move(on_signal)),
      stop_write_fd_(stop_write_fd) {}

SignalWatcher::~SignalWatcher() {
  for (size_t i = 0; i < signals_.size(); ++i) {
    sigaction(signals_[i], &previous_[i], nullptr);
  }
  g_signal_pipe_fd = -1;
  close(stop_write_fd_);  // wakes the thread with POLLHUP; it closes the pipes
  if (thread_.joinable()) {
    thread_.join();
  }
}

}  // namespace berth::cli
