// The docker cp rpcs of the gRPC adapter: the container's root from its
// init (container_files.h), the tar work in common/archive.
#include "common/archive/archive_grpc.h"
#include "common/archive/path_archive.h"
#include "common/grpc/grpc_status.h"
#include "common/status/status.h"
#include "services/runtimed/container_files.h"
#include "services/runtimed/runtimed_service.h"

namespace berth::runtimed {

grpc::Status RuntimedService::StatContainerPath(grpc::ServerContext*,
                                                const v1::ContainerPathRequest* request,
                                                v1::ContainerPathStat* response) {
  absl::StatusOr<v1::Container> record = manager_.InspectContainer(request->container());
  if (!record.ok()) return ToGrpcStatus(record.status());
  return ToGrpcStatus(WithContainerRoot(*record, [&](int root) -> absl::Status {
    BERTH_ASSIGN_OR_RETURN(archive::PathStat stat, archive::StatContainerPath(root, request->path()));
    archive::ToProto(stat, response);
    return absl::OkStatus();
  }));
}

grpc::Status RuntimedService::ArchiveContainerPath(
    grpc::ServerContext* context, const v1::ContainerPathRequest* request,
    grpc::ServerWriter<v1::ContainerArchiveChunk>* writer) {
  absl::StatusOr<v1::Container> record = manager_.InspectContainer(request->container());
  if (!record.ok()) return ToGrpcStatus(record.status());
  return ToGrpcStatus(WithContainerRoot(*record, [&](int root) -> absl::Status {
    BERTH_ASSIGN_OR_RETURN(archive::PathStat stat, archive::StatContainerPath(root, request->path()));
    return archive::StreamTar(context, writer, &stat, [&](const archive::TarSink& sink) {
      return archive::ArchiveContainerPath(root, request->path(), sink);
    });
  }));
}

grpc::Status RuntimedService::ExtractToContainer(
    grpc::ServerContext* context, grpc::ServerReader<v1::ExtractToContainerRequest>* reader,
    v1::ExtractToContainerResponse*) {
  absl::StatusOr<v1::ExtractToContainerRequest> first = archive::ReadExtractHeader(context, reader);
  if (!first.ok()) return ToGrpcStatus(first.status());
  absl::StatusOr<v1::Container> record = manager_.InspectContainer(first->container());
  if (!record.ok()) return ToGrpcStatus(record.status());
  archive::ExtractOptions options{first->no_overwrite_dir_non_dir(), first->copy_uid_gid()};
  archive::TarSource source =
      archive::ExtractDataSource(context, reader, std::move(*first->mutable_data()));
  return ToGrpcStatus(WithContainerRoot(*record, [&](int root) {
    return archive::ExtractToContainerPath(root, first->path(), options, source);
  }));
}

}  // namespace berth::runtimed
