// Pause, unpause, top and rename rpcs of the gRPC adapter: forwards to
// ContainerManager (container_ops.cc) and conversions.
#include "common/grpc/grpc_status.h"
#include "services/runtimed/runtimed_service.h"

namespace berth::runtimed {

grpc::Status RuntimedService::PauseContainer(grpc::ServerContext*,
                                             const v1::PauseContainerRequest* request,
                                             v1::PauseContainerResponse*) {
  return ToGrpcStatus(manager_.PauseContainer(request->container()));
}

grpc::Status RuntimedService::UnpauseContainer(grpc::ServerContext*,
                                               const v1::UnpauseContainerRequest* request,
                                               v1::UnpauseContainerResponse*) {
  return ToGrpcStatus(manager_.UnpauseContainer(request->container()));
}

grpc::Status RuntimedService::TopContainer(grpc::ServerContext*,
                                           const v1::TopContainerRequest* request,
                                           v1::TopContainerResponse* response) {
  absl::StatusOr<TopResult> top = manager_.TopContainer(request->container(), request->ps_args());
  if (!top.ok()) return ToGrpcStatus(top.status());
  for (const std::string& title : top->titles) response->add_titles(title);
  for (const auto& row : top->processes) {
    v1::TopProcess* process = response->add_processes();
    for (const std::string& field : row) process->add_fields(field);
  }
  return grpc::Status::OK;
}

grpc::Status RuntimedService::RenameContainer(grpc::ServerContext*,
                                              const v1::RenameContainerRequest* request,
                                              v1::RenameContainerResponse* response) {
  absl::StatusOr<RenameResult> renamed =
      manager_.RenameContainer(request->container(), request->name());
  if (!renamed.ok()) return ToGrpcStatus(renamed.status());
  *response->mutable_container() = std::move(renamed->container);
  response->set_old_name(renamed->old_name);
  return grpc::Status::OK;
}

grpc::Status RuntimedService::RuntimeInfo(grpc::ServerContext*, const v1::RuntimeInfoRequest*,
                                          v1::RuntimeInfoResponse* response) {
  *response = manager_.RuntimeInfo();
  return grpc::Status::OK;
}

grpc::Status RuntimedService::RecordContainerEvent(grpc::ServerContext*,
                                                   const v1::RecordContainerEventRequest* request,
                                                   v1::RecordContainerEventResponse*) {
  // Only the events apid observes for runtimed (docker cp's); the lifecycle
  // events are runtimed's own.
  if (request->action() != "archive-path" && request->action() != "extract-to-dir") {
    return ToGrpcStatus(absl::InvalidArgumentError(
        "RecordContainerEvent: only archive-path and extract-to-dir are recorded"));
  }
  absl::StatusOr<v1::Container> record = manager_.InspectContainer(request->container());
  if (!record.ok()) return ToGrpcStatus(record.status());
  manager_.EmitContainerEvent(record->id(), request->action(), {});
  return grpc::Status::OK;
}

}  // namespace berth::runtimed
