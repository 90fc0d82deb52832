// pause, unpause, top, rename and container prune on berth.v1.Berth:
// translation to ContainerService.
#include "common/grpc/grpc_status.h"
#include "services/apid/grpc/berth_service.h"
#include "services/apid/grpc/list_filters.h"

namespace berth::apid {

grpc::Status BerthService::PauseContainer(grpc::ServerContext*,
                                          const v1::PauseContainerRequest* req,
                                          v1::PauseContainerResponse*) {
  return ToGrpcStatus(containers_.Pause(req->container()));
}

grpc::Status BerthService::UnpauseContainer(grpc::ServerContext*,
                                            const v1::UnpauseContainerRequest* req,
                                            v1::UnpauseContainerResponse*) {
  return ToGrpcStatus(containers_.Unpause(req->container()));
}

grpc::Status BerthService::TopContainer(grpc::ServerContext*, const v1::TopContainerRequest* req,
                                        v1::TopContainerResponse* resp) {
  absl::StatusOr<v1::TopContainerResponse> top = containers_.Top(req->container(), req->ps_args());
  if (!top.ok()) return ToGrpcStatus(top.status());
  *resp = std::move(*top);
  return grpc::Status::OK;
}

grpc::Status BerthService::RenameContainer(grpc::ServerContext*,
                                           const v1::RenameContainerRequest* req,
                                           v1::RenameContainerResponse* resp) {
  absl::Status renamed = containers_.Rename(req->container(), req->name());
  if (!renamed.ok()) return ToGrpcStatus(renamed);
  absl::StatusOr<v1::Container> record = containers_.Inspect(req->name());
  if (record.ok()) *resp->mutable_container() = std::move(*record);
  return grpc::Status::OK;
}

grpc::Status BerthService::PruneContainers(grpc::ServerContext*,
                                           const v1::PruneContainersRequest* req,
                                           v1::PruneContainersResponse* resp) {
  absl::StatusOr<v1::PruneContainersResponse> pruned =
      containers_.Prune(FilterMap(req->filters()));
  if (!pruned.ok()) return ToGrpcStatus(pruned.status());
  *resp = std::move(*pruned);
  return grpc::Status::OK;
}

grpc::Status BerthService::UpdateContainer(grpc::ServerContext*,
                                           const v1::UpdateContainerRequest* req,
                                           v1::UpdateContainerResponse* resp) {
  absl::StatusOr<v1::UpdateContainerResponse> updated = containers_.Update(*req);
  if (!updated.ok()) return ToGrpcStatus(updated.status());
  *resp = std::move(*updated);
  return grpc::Status::OK;
}

}  // namespace berth::apid
