// The local terminal as `berth run` needs it: raw mode, its size, and signal
// notifications (SIGWINCH for resizes, and the signals `run` forwards).
#pragma once

#include <signal.h>
#include <termios.h>

#include <functional>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "cli/run_config.h"

namespace berth::cli {

// True when `fd` refers to a terminal.
bool IsTerminal(int fd);

// The size of the terminal on `fd`; nullopt when `fd` is not a terminal or the
// kernel reports 0×0 (some pseudo terminals before their first resize).
std::optional<ConsoleSize> GetTerminalSize(int fd);

// Puts a terminal into raw mode for as long as the object lives: the
// container's pty does the line editing and signal keys (Ctrl-C reaches the
// container instead of killing the client), as with `docker run -it`.
//
// The previous mode is restored by the destructor and by Restore(), and also
// when the process dies from SIGTERM, SIGHUP or SIGQUIT (a handler restores it,
// then re-raises the signal), so the user's shell is never left raw.
class RawTerminal {
 public:
  // Switches `fd` to raw mode. FailedPrecondition when `fd` is not a terminal;
  // the errno-derived code when tcsetattr fails. At most one may be alive.
  static absl::StatusOr<std::unique_ptr<RawTerminal>> Enable(int fd);

  ~RawTerminal();
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;

  // Restores the saved mode now; later calls do nothing.
  void Restore();

 private:
  RawTerminal(int fd, const struct termios& saved) : fd_(fd), saved_(saved) {}

  int fd_;
  struct termios saved_;
  bool restored_ = false;
};

// Calls `on_signal(sig)` from its own thread each time the process gets one
// of `signals`, until destroyed; while it lives those signals no longer have
// their default action. A self-pipe turns each signal into a readable byte, so
// the callback may do anything (including a gRPC call); the handler only
// write(2)s. `run` uses it for SIGWINCH (resize the pty) and, like docker's
// sig-proxy, to forward SIGINT/SIGTERM/... to a non-tty container. At most one
// may be alive.
class SignalWatcher {
 public:
  static absl::StatusOr<std::unique_ptr<SignalWatcher>> Start(std::vector<int> signals,
                                                              std::function<void(int)> on_signal);

  // Restores the previous dispositions and joins the thread.
  ~SignalWatcher();
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

 private:
  SignalWatcher(std::vector<int> signals, std::function<void(int)> on_signal, int stop_write_fd);

  std::vector<int> signals_;
  std::vector<struct sigaction> previous_;
  std::function<void(int)> on_signal_;
  int stop_write_fd_;
  std::thread thread_;
};

}  // namespace berth::cli
