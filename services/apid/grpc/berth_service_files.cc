// A container's files on berth.v1.Berth: translation to ContainerFileService.
#include "common/grpc/grpc_status.h"
#include "services/apid/grpc/berth_service.h"

namespace berth::apid {
namespace {

grpc::Status NotServed() {
  return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "container files are not served here");
}

// Sends each piece of a tar as one message; the first carries `stat` when given.
class ChunkWriter {
 public:
  explicit ChunkWriter(grpc::ServerWriter<v1::ContainerArchiveChunk>* writer) : writer_(writer) {}
  absl::Status Stat(const v1::ContainerPathStat& stat) {
    *pending_.mutable_stat() = stat;
    return absl::OkStatus();
  }
  absl::Status Data(const std::string& data) {
    pending_.set_data(data);
    bool ok = writer_->Write(pending_);
    pending_.Clear();
    return ok ? absl::OkStatus() : absl::CancelledError("client went away");
  }
  // A tar without data (an empty export) still sends its stat.
  void Flush() {
    if (pending_.has_stat()) writer_->Write(pending_);
  }

 private:
  grpc::ServerWriter<v1::ContainerArchiveChunk>* writer_;
  v1::ContainerArchiveChunk pending_;
};

}  // namespace

grpc::Status BerthService::StatContainerPath(grpc::ServerContext*,
                                             const v1::ContainerPathRequest* req,
                                             v1::ContainerPathStat* resp) {
  if (files_ == nullptr) return NotServed();
  absl::StatusOr<v1::ContainerPathStat> stat = files_->StatPath(req->container(), req->path());
  if (!stat.ok()) return ToGrpcStatus(stat.status());
  *resp = std::move(*stat);
  return grpc::Status::OK;
}

grpc::Status BerthService::ArchiveContainerPath(
    grpc::ServerContext* ctx, const v1::ContainerPathRequest* req,
    grpc::ServerWriter<v1::ContainerArchiveChunk>* writer) {
  if (files_ == nullptr) return NotServed();
  ChunkWriter out(writer);
  absl::Status status = files_->ArchivePath(
      req->container(), req->path(),
      [&](const v1::ContainerPathStat& stat) { return out.Stat(stat); },
      [&](const std::string& data) { return out.Data(data); }, ctx);
  out.Flush();
  return ToGrpcStatus(status);
}

grpc::Status BerthService::ExtractToContainer(
    grpc::ServerContext* ctx, grpc::ServerReader<v1::ExtractToContainerRequest>* reader,
    v1::ExtractToContainerResponse*) {
  if (files_ == nullptr) return NotServed();
  v1::ExtractToContainerRequest header;
  if (!reader->Read(&header)) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "the first message must name the container and the path");
  }
  std::string first = std::move(*header.mutable_data());
  auto next = [&]() -> absl::StatusOr<std::string> {
    if (!first.empty()) return std::exchange(first, std::string());
    v1::ExtractToContainerRequest msg;
    while (reader->Read(&msg)) {
      if (!msg.data().empty()) return std::move(*msg.mutable_data());
    }
    if (ctx->IsCancelled()) return absl::CancelledError("client cancelled the upload");
    return std::string();
  };
  return ToGrpcStatus(files_->Extract(header, next, ctx));
}

grpc::Status BerthService::ExportContainer(grpc::ServerContext* ctx,
                                           const v1::ContainerExportRequest* req,
                                           grpc::ServerWriter<v1::ContainerArchiveChunk>* writer) {
  if (files_ == nullptr) return NotServed();
  ChunkWriter out(writer);
  return ToGrpcStatus(files_->Export(
      req->container(), [&](const std::string& data) { return out.Data(data); }, ctx));
}

grpc::Status BerthService::ContainerChanges(grpc::ServerContext*,
                                            const v1::ContainerChangesRequest* req,
                                            v1::ContainerChangesResponse* resp) {
  if (files_ == nullptr) return NotServed();
  absl::StatusOr<std::vector<v1::ContainerChange>> changes = files_->Changes(req->container());
  if (!changes.ok()) return ToGrpcStatus(changes.status());
  for (v1::ContainerChange& c : *changes) *resp->add_changes() = std::move(c);
  return grpc::Status::OK;
}

grpc::Status BerthService::CommitContainer(grpc::ServerContext*,
                                           const v1::CommitContainerRequest* req,
                                           v1::CommitContainerResponse* resp) {
  if (files_ == nullptr) return NotServed();
  absl::StatusOr<std::string> id = files_->Commit(*req);
  if (!id.ok()) return ToGrpcStatus(id.status());
  resp->set_id(*id);
  return grpc::Status::OK;
}

}  // namespace berth::apid
