#pragma once

// The exec use cases (docker exec): create, start (attached or detached),
// resize, inspect. runtimed does the work (ExecManager); this layer resolves
// the container, applies Docker's request checks before anything is
// recorded, and hands the faces (REST, gRPC) an attached stream only once
// runtimed acknowledged it, so they can still answer with an HTTP/gRPC error
// before they hijack or stream. No HTTP or gRPC server types here.

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "berth/v1/exec.pb.h"
#include "services/apid/clients/clients.h"

namespace berth::apid {

class ExecService {
 public:
  explicit ExecService(RuntimedClient& runtimed) : runtimed_(runtimed) {}

  // Records an exec in `container` (id, name or prefix); returns it.
  // InvalidArgument "No exec command specified" without a command (Docker's
  // 400), NotFound for an unknown container, FailedPrecondition "container
  // <id> is not running" for a stopped one.
  absl::StatusOr<v1::ExecInspect> Create(const std::string& container,
                                         const v1::ExecConfig& config);

  // An attached start acknowledged by runtimed: its process runs (or failed
  // to, and its error is the stream's first output); `exec` is the record as
  // created.
  struct OpenExec {
    v1::ExecInspect exec;
    std::unique_ptr<AttachStream> stream;
  };
  // Starts `exec` (as Inspect returned it) with its streams attached.
  // FailedPrecondition when it already ran or its container stopped.
  // The REST face calls it only after it hijacked the connection, as
  // dockerd does: a client reading the upgrade's headers through a buffer
  // (docker-py) would otherwise lose output that came with them.
  absl::StatusOr<OpenExec> StartAttached(const v1::ExecInspect& exec);
  // docker exec -d. The same errors, plus the executor's when it cannot run.
  absl::StatusOr<v1::ExecInspect> StartDetached(const std::string& exec_id, uint32_t height,
                                                uint32_t width);
  absl::Status Resize(const std::string& exec_id, uint32_t height, uint32_t width);
  absl::StatusOr<v1::ExecInspect> Inspect(const std::string& exec_id);
  // The raw attached-start call, for the gRPC face (it forwards `open`).
  std::unique_ptr<AttachStream> AttachRaw(const grpc::ServerContextBase* parent) {
    return runtimed_.AttachExec(parent);
  }

 private:
  RuntimedClient& runtimed_;
};

}  // namespace berth::apid
