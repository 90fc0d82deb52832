// ShimRuntime: everything ContainerManager needs from the per-container
// monitor (berth-shim), as one seam. The manager owns the lifecycle logic
// (states, start/stop/exit/recovery decisions, records, events); this seam
// only moves a shim through its protocol (shim/protocol.h). The real one is
// BerthShimRuntime (shim_runtime_berth.h); unit tests use FakeShimRuntime
// (testing/fake_shim_runtime.h), and one conformance suite
// (tests/*/runtimed/shim_runtime_conformance*) holds both to the same
// behaviour.
//
// A shim is addressed by container id. It outlives the manager: a new
// manager reaches a shim launched by an earlier one (recovery).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "services/runtimed/shim/protocol.h"
#include "services/runtimed/spec/shim_config.h"

namespace berth::runtimed {

// One open attach stream to a running container (after the ATTACH reply):
// output frames come in, stdin/close/resize frames go out.
class AttachStream {
 public:
  virtual ~AttachStream() = default;
  // Sends encoded frames (shim::EncodeFrame). Unavailable once the shim
  // closed the stream.
  virtual absl::Status Send(const std::string& frames) = 0;
  // The next output frame; nullopt once the container exited and all of its
  // output was delivered, or after Shutdown. One reading thread.
  virtual absl::StatusOr<std::optional<shim::Frame>> ReadFrame() = 0;
  // Ends the stream from any thread: a blocked reader returns. The container
  // is not affected (a detach).
  virtual void Shutdown() = 0;
};

// A registered interest in one container's exit. Registering before Start
// guarantees that no exit is missed.
class ExitWatch {
 public:
  virtual ~ExitWatch() = default;
  // Blocks until the container exited (and its output is drained) and
  // returns how. Unavailable when the shim went away without reporting (it
  // crashed or was killed): then RecordedExit may still know. Cancelled (or
  // Unavailable) after Cancel().
  virtual absl::StatusOr<spec::ExitRecord> Wait() = 0;
  // Wakes a blocked Wait from any thread; the container keeps running.
  virtual void Cancel() = 0;
};

// Which streams an attach client wants.
struct AttachOptions {
  bool stdin = false;
  bool stdout = false;
  bool stderr = false;
};

class ShimRuntime {
 public:
  virtual ~ShimRuntime() = default;

  // Starts the shim of container `id` with the config the manager wrote at
  // `config_path` and waits for its readiness: the container process is set
  // up and held before exec. Returns its host pid. The setup error comes
  // back as InvalidArgument for exec errors ("exec: ..."), else
  // FailedPrecondition; DeadlineExceeded when the shim never reported (the
  // caller then kills it).
  virtual absl::StatusOr<pid_t> Launch(const std::string& id, const std::string& config_path) = 0;
  // Registers an exit watch on the shim of `id`. Unavailable when no shim
  // of `id` is there (it has exited, or none was launched).
  virtual absl::StatusOr<std::unique_ptr<ExitWatch>> Watch(const std::string& id) = 0;
  // Releases the held process (exec). Returns its pid. The executor's error
  // (InvalidArgument "exec: ...") when the exec fails.
  virtual absl::StatusOr<pid_t> Start(const std::string& id) = 0;
  // Sends `signal` to the container's init. Unavailable when the shim is
  // gone (the container is not running any more).
  virtual absl::Status Kill(const std::string& id, int signal) = 0;
  // Sets the pty size (a no-op without a tty). Unavailable when gone.
  virtual absl::Status Resize(const std::string& id, uint32_t height, uint32_t width) = 0;
  // Opens an attach stream. Unavailable when the shim is gone.
  virtual absl::StatusOr<std::shared_ptr<AttachStream>> Attach(const std::string& id,
                                                               AttachOptions streams) = 0;
  // The exit the shim recorded before it went away (exit.json): how an exit
  // that happened while nobody watched is learned. NotFound when the shim
  // left no record (it was killed or crashed).
  virtual absl::StatusOr<spec::ExitRecord> RecordedExit(const std::string& id) = 0;
};

}  // namespace berth::runtimed
