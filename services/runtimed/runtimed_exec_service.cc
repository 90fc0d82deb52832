// The exec rpcs of the gRPC adapter: one-line forwards to ExecManager, and
// the attached start, which streams like AttachContainer.
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "common/grpc/grpc_status.h"
#include "services/runtimed/runtimed_service.h"

namespace berth::runtimed {
namespace {

grpc::Status NoExecs() {
  return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "exec is not served here");
}

// After `ended`: wait for the client's half-close, as PumpSession does.
void AwaitHalfClose(grpc::ServerContext* context,
                    grpc::ServerReaderWriter<v1::AttachOutput, v1::AttachInput>* stream) {
  absl::Notification done;
  std::thread reader([stream, &done] {
    v1::AttachInput ignored;
    while (stream->Read(&ignored)) {
    }
    done.Notify();
  });
  if (!done.WaitForNotificationWithTimeout(absl::Seconds(2))) context->TryCancel();
  reader.join();
}

}  // namespace

grpc::Status RuntimedService::CreateExec(grpc::ServerContext*, const v1::CreateExecRequest* request,
                                         v1::ExecInspect* response) {
  if (execs_ == nullptr) return NoExecs();
  auto exec = execs_->Create(request->container(), request->config());
  if (!exec.ok()) return ToGrpcStatus(exec.status());
  *response = *std::move(exec);
  return grpc::Status::OK;
}

grpc::Status RuntimedService::StartExec(grpc::ServerContext*, const v1::StartExecRequest* request,
                                        v1::StartExecResponse* response) {
  if (execs_ == nullptr) return NoExecs();
  auto started = execs_->Start(request->exec_id(), false, request->height(), request->width());
  if (!started.ok()) return ToGrpcStatus(started.status());
  auto exec = execs_->Inspect(request->exec_id());
  if (exec.ok()) *response->mutable_exec() = *std::move(exec);
  return grpc::Status::OK;
}

grpc::Status RuntimedService::AttachExec(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<v1::AttachOutput, v1::AttachInput>* stream) {
  if (execs_ == nullptr) return NoExecs();
  v1::AttachInput first;
  if (!stream->Read(&first) || !first.has_open()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "the first exec attach message must be `open`");
  }
  const std::string exec_id = first.open().container();
  auto session = execs_->Start(exec_id, true, 0, 0);
  if (!session.ok()) {
    // A process that could not be started is an exec that ran and failed
    // (126/127): like dockerd, its error goes to the client's stream.
    // Anything else (unknown exec, already started, container stopped) is
    // an error of the call.
    auto exec = execs_->Inspect(exec_id);
    if (!exec.ok() || !exec->exited()) return ToGrpcStatus(session.status());
    v1::AttachOutput out;
    out.set_attached(true);
    stream->Write(out);
    out.mutable_output()->set_stream(v1::STD_STREAM_STDERR);
    out.mutable_output()->set_data(std::string(session.status().message()) + "\r\n");
    stream->Write(out);
    v1::AttachOutput ended;
    ended.set_ended(true);
    stream->Write(ended);
    AwaitHalfClose(context, stream);
    return grpc::Status::OK;
  }
  v1::AttachOutput attached;
  attached.set_attached(true);
  stream->Write(attached);
  // The docker CLI reads the exit code right after the stream ends: the
  // exit must be settled by then (the shim closes the stream just before it
  // reports the exit).
  PumpSession(context, stream, *session,
              [this, &exec_id] { execs_->AwaitExit(exec_id, absl::Seconds(5)); });
  return grpc::Status::OK;
}

grpc::Status RuntimedService::ResizeExec(grpc::ServerContext*, const v1::ResizeExecRequest* request,
                                         v1::ResizeExecResponse*) {
  if (execs_ == nullptr) return NoExecs();
  return ToGrpcStatus(execs_->Resize(request->exec_id(), request->height(), request->width()));
}

grpc::Status RuntimedService::InspectExec(grpc::ServerContext*,
                                          const v1::InspectExecRequest* request,
                                          v1::ExecInspect* response) {
  if (execs_ == nullptr) return NoExecs();
  auto exec = execs_->Inspect(request->exec_id());
  if (!exec.ok()) return ToGrpcStatus(exec.status());
  *response = *std::move(exec);
  return grpc::Status::OK;
}

}  // namespace berth::runtimed
