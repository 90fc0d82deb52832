#include "services/apid/usecases/exec_service.h"

#include "absl/strings/str_cat.h"

namespace berth::apid {

absl::StatusOr<v1::ExecInspect> ExecService::Create(const std::string& container,
                                                    const v1::ExecConfig& config) {
  // Docker checks the request before it looks at the container.
  if (config.cmd().empty() || config.cmd(0).empty()) {
    return absl::InvalidArgumentError("No exec command specified");
  }
  absl::StatusOr<v1::Container> c = runtimed_.InspectContainer(container);
  if (!c.ok()) return c.status();
  if (c->state().status() == v1::CONTAINER_STATUS_PAUSED) {
    return absl::FailedPreconditionError(
        absl::StrCat("Container ", c->id(), " is paused, unpause the container before exec"));
  }
  if (c->state().status() != v1::CONTAINER_STATUS_RUNNING) {
    return absl::FailedPreconditionError(absl::StrCat("container ", c->id(), " is not running"));
  }
  v1::CreateExecRequest request;
  request.set_container(c->id());
  *request.mutable_config() = config;
  return runtimed_.CreateExec(request);
}

absl::StatusOr<ExecService::OpenExec> ExecService::StartAttached(const v1::ExecInspect& exec) {
  const std::string& exec_id = exec.id();
  std::unique_ptr<AttachStream> stream = runtimed_.AttachExec(nullptr);
  if (stream == nullptr) return absl::UnavailableError("runtimed serves no exec stream");
  v1::AttachInput open;
  open.mutable_open()->set_container(exec_id);
  v1::AttachOutput ack;
  if (!stream->Write(open) || !stream->Read(&ack) || !ack.attached()) {
    stream->Cancel();
    absl::Status s = stream->Finish();
    return s.ok() ? absl::InternalError("exec start was not acknowledged") : s;
  }
  return OpenExec{exec, std::move(stream)};
}

absl::StatusOr<v1::ExecInspect> ExecService::StartDetached(const std::string& exec_id,
                                                           uint32_t height, uint32_t width) {
  v1::StartExecRequest request;
  request.set_exec_id(exec_id);
  request.set_height(height);
  request.set_width(width);
  absl::StatusOr<v1::StartExecResponse> response = runtimed_.StartExec(request);
  if (!response.ok()) return response.status();
  return response->exec();
}

absl::Status ExecService::Resize(const std::string& exec_id, uint32_t height, uint32_t width) {
  v1::ResizeExecRequest request;
  request.set_exec_id(exec_id);
  request.set_height(height);
  request.set_width(width);
  return runtimed_.ResizeExec(request);
}

absl::StatusOr<v1::ExecInspect> ExecService::Inspect(const std::string& exec_id) {
  return runtimed_.InspectExec(exec_id);
}

}  // namespace berth::apid
