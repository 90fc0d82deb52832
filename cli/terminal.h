// The local terminal as `berth run -t` needs it: raw mode, its size, and a
// notification when it is resized (SIGWINCH).
#pragma once

#include <termios.h>

#include <functional>
#include <memory>
#include <optional>
#include <thread>

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

// Calls `on_resize` from its own thread each time the process gets SIGWINCH,
// until destroyed. A self-pipe turns the signal into a readable fd, so the
// callback may do anything (including a gRPC call); nothing runs in the
// signal handler but write(2). At most one may be alive.
class ResizeWatcher {
 public:
  static absl::StatusOr<std::unique_ptr<ResizeWatcher>> Start(std::function<void()> on_resize);

  ~ResizeWatcher();
  ResizeWatcher(const ResizeWatcher&) = delete;
  ResizeWatcher& operator=(const ResizeWatcher&) = delete;

 private:
  ResizeWatcher(std::function<void()> on_resize, int stop_write_fd);

  std::function<void()> on_resize_;
  int stop_write_fd_;
  std::thread thread_;
};

}  // namespace berth::cli
