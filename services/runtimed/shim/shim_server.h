// berth-shim's monitor: creates the container process, then serves the
// control socket (protocol.h) from a single-threaded epoll loop, holds the
// container's stdio (pipes or the pty master), writes the json-file log, reaps
// the exit status and records it in exit.json.
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/fs/fs.h"
#include "services/runtimed/cgroups/cgroup_manager.h"
#include "services/runtimed/logs/rotating_log.h"
#include "services/runtimed/shim/protocol.h"
#include "services/runtimed/spec/shim_config.h"

namespace berth::runtimed::shim {

class ShimServer {
 public:
  explicit ShimServer(spec::ShimConfig config);
  ~ShimServer();

  // Listens on the socket, clones the container init and waits until it is
  // set up and parked before exec. Returns its host pid, or the setup error
  // (executor text such as `exec: "x": executable file not found in $PATH`).
  // On error everything created is undone (the child reaped, the socket
  // removed).
  absl::StatusOr<pid_t> CreateContainer();

  // Serves until the container has exited, its output is drained and the
  // exit is reported to waiters and recorded; then returns.
  void Run();

 private:
  enum class State { kCreated, kRunning, kExited };
  enum class ConnKind { kRequest, kAttach, kWait };
  struct Conn {
    ConnKind kind = ConnKind::kRequest;
    std::string line;  // request line being read
    FrameDecoder decoder;
    std::string out;   // bytes waiting to be written
    bool want_stdin = false, want_stdout = false, want_stderr = false;
    bool close_after_flush = false;
  };

  absl::Status Listen();
  absl::Status SetUpPipes();
  absl::StatusOr<pid_t> CloneInit();
  absl::Status AwaitReady();
  absl::Status PlaceInCgroups();
  // --runtime runc (runc_driver.h): the container or exec through runc.
  bool UsesRunc() const { return !config_.runc.binary.empty(); }
  absl::StatusOr<pid_t> CreateWithRunc();
  absl::Status StartWithRunc();
  std::string ConsoleSocketPath() const;
  std::string ExecDir() const;
  // A runc exec that could not start: no process to wait for, so the shim
  // records Docker's code (127 not found, else 126) and ends.
  void EndExecThatDidNotStart(const absl::Status& error);

  void Watch(int fd, uint32_t events);
  void Unwatch(int fd);
  void HandleEvent(int fd, uint32_t events);
  void Accept();
  void HandleConnReadable(int fd);
  void HandleConnWritable(int fd);
  void HandleRequest(int fd, Conn& conn, const std::string& line);
  void HandleAttachFrames(int fd, Conn& conn);
  void HandleStart(int fd, Conn& conn);
  void Reply(int fd, Conn& conn, const std::string& line, bool close_after);
  void Send(int fd, Conn& conn, const std::string& bytes);
  void CloseConn(int fd);
  void DetachStdin(const Conn& conn);

  void ReadOutput(int fd, FrameType stream);
  void WriteStdin();
  void CloseStdinWhenDrained();
  void Reap();
  bool OutputDrained() const;
  void Finish();

  spec::ShimConfig config_;
  State state_ = State::kCreated;
  pid_t pid_ = -1;
  int exit_code_ = 0;
  int64_t finished_unix_nano_ = 0;
  int64_t drain_deadline_ms_ = 0;

  fs::ScopedFd epoll_;
  fs::ScopedFd listen_;
  fs::ScopedFd signal_;
  fs::ScopedFd sync_;      // shim end of the init conversation
  fs::ScopedFd child_sync_;
  fs::ScopedFd join_;  // exec: pidfd of the container's init
  absl::Status OpenJoinTarget();
  std::optional<logs::RotatingLogFile> log_;  // none for an exec
  // Container stdio, shim side. With a tty, stdout_ is the pty master and
  // stdin_ a dup of it (epoll tracks the two directions separately).
  fs::ScopedFd stdin_, stdout_, stderr_;
  fs::ScopedFd child_stdin_, child_stdout_, child_stderr_;
  std::string stdin_buffer_;
  bool stdin_close_pending_ = false;
  std::unique_ptr<cgroups::CgroupManager> cgroups_;  // created and removed by this shim
  std::unique_ptr<cgroups::CgroupManager> joined_cgroup_;  // an exec's: the container's
  std::unique_ptr<cgroups::CgroupManager> runc_cgroup_;  // runc's, for the OOM count only

  std::map<int, Conn> conns_;
  fs::ScopedFd console_;  // runc with a tty: where runc sends the pty master
};

}  // namespace berth::runtimed::shim
