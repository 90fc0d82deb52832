// One attach client of a container. Created by ContainerManager::Attach; the
// gRPC adapter feeds it stdin/close/resize from the client and pulls output.
//
// Attach-before-start: while the container is not running the session is
// pending; stdin, a stdin close and a resize are buffered and delivered first,
// in order, once Start connects the session to the shim (before the process
// is released), so no output and no input is lost.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "services/runtimed/shim_runtime.h"

namespace berth::runtimed {

struct OutputChunk {
  bool is_stderr = false;
  std::string data;
};

class AttachSession {
 public:
  AttachSession(std::string container_id, AttachOptions options);
  ~AttachSession();

  const std::string& container_id() const { return container_id_; }
  const AttachOptions& options() const { return options_; }

  // Client side. Thread-safe. Buffered while pending.
  absl::Status WriteStdin(const std::string& data);
  absl::Status CloseStdin();
  absl::Status Resize(uint32_t height, uint32_t width);
  // Blocks for the next output chunk; nullopt at the end of the output (the
  // container exited, its start failed or it was removed) or after Detach.
  // Call from one thread only.
  std::optional<OutputChunk> Read();
  // Ends the session without touching the container (the client went away).
  void Detach();

  // Manager side: opens the container's attach stream through `shims` and
  // flushes what was buffered. Unavailable when the shim is gone.
  absl::Status Connect(ShimRuntime& shims);
  // No output will ever come (start failed, container removed).
  void End();

 private:
  const std::string container_id_;
  const AttachOptions options_;

  absl::Mutex mu_;
  std::shared_ptr<AttachStream> conn_ ABSL_GUARDED_BY(mu_);
  std::string pending_ ABSL_GUARDED_BY(mu_);  // encoded frames not yet sent
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
  bool detached_ ABSL_GUARDED_BY(mu_) = false;

  absl::Status SendOrBuffer(const std::string& frame);
};

}  // namespace berth::runtimed
