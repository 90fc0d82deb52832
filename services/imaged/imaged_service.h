#pragma once

// The gRPC face of imaged: converts berth.v1 messages to domain types, calls
// the ImageManager and maps absl::Status to grpc::Status. No logic of its own.

#include "berth/v1/imaged.grpc.pb.h"
#include "services/imaged/image_manager.h"

namespace berth::imaged {

class ImagedService final : public berth::v1::ImageService::Service {
 public:
  // `manager` must outlive the service.
  explicit ImagedService(ImageManager& manager) : manager_(manager) {}

  // First message: options; then chunks. INVALID_ARGUMENT if the stream is
  // not shaped that way, CANCELLED if the client goes away mid-upload.
  grpc::Status ImportImage(grpc::ServerContext* context,
                           grpc::ServerReader<v1::ImportImageRequest>* reader,
                           v1::ImportImageResponse* response) override;
  grpc::Status ListImages(grpc::ServerContext* context, const v1::ListImagesRequest* request,
                          v1::ListImagesResponse* response) override;
  grpc::Status InspectImage(grpc::ServerContext* context, const v1::InspectImageRequest* request,
                            v1::Image* response) override;
  grpc::Status TagImage(grpc::ServerContext* context, const v1::TagImageRequest* request,
                        v1::TagImageResponse* response) override;
  grpc::Status RemoveImage(grpc::ServerContext* context, const v1::RemoveImageRequest* request,
                           v1::RemoveImageResponse* response) override;
  // UNIMPLEMENTED until the registry client exists.
  grpc::Status PullImage(grpc::ServerContext* context, const v1::PullImageRequest* request,
                         grpc::ServerWriter<v1::ProgressMessage>* writer) override;
  grpc::Status PushImage(grpc::ServerContext* context, const v1::PushImageRequest* request,
                         grpc::ServerWriter<v1::ProgressMessage>* writer) override;
  grpc::Status Login(grpc::ServerContext* context, const v1::LoginRequest* request,
                     v1::LoginResponse* response) override;
  grpc::Status Events(grpc::ServerContext* context, const v1::EventsRequest* request,
                      grpc::ServerWriter<v1::Event>* writer) override;
  grpc::Status PrepareSnapshot(grpc::ServerContext* context,
                               const v1::PrepareSnapshotRequest* request,
                               v1::PrepareSnapshotResponse* response) override;
  grpc::Status RemoveSnapshot(grpc::ServerContext* context,
                              const v1::RemoveSnapshotRequest* request,
                              v1::RemoveSnapshotResponse* response) override;
  grpc::Status ListSnapshots(grpc::ServerContext* context, const v1::ListSnapshotsRequest* request,
                             v1::ListSnapshotsResponse* response) override;
  // First message: options; then optional layer chunks.
  grpc::Status CreateImage(grpc::ServerContext* context,
                           grpc::ServerReader<v1::CreateImageRequest>* reader,
                           v1::CreateImageResponse* response) override;
  grpc::Status ExportImagePaths(grpc::ServerContext* context,
                                const v1::ExportImagePathsRequest* request,
                                grpc::ServerWriter<v1::ExportImagePathsChunk>* writer) override;
  grpc::Status CommitSnapshot(grpc::ServerContext* context,
                              const v1::CommitSnapshotRequest* request,
                              v1::CommitSnapshotResponse* response) override;
  grpc::Status SaveImages(grpc::ServerContext* context, const v1::SaveImagesRequest* request,
                          grpc::ServerWriter<v1::SaveImagesChunk>* writer) override;
  // Chunks of the archive; CANCELLED if the client goes away mid-upload.
  grpc::Status LoadImages(grpc::ServerContext* context,
                          grpc::ServerReader<v1::LoadImagesRequest>* reader,
                          v1::LoadImagesResponse* response) override;
  grpc::Status ImageHistory(grpc::ServerContext* context, const v1::ImageHistoryRequest* request,
                            v1::ImageHistoryResponse* response) override;
  grpc::Status LayerUsage(grpc::ServerContext* context, const v1::LayerUsageRequest* request,
                          v1::LayerUsageResponse* response) override;
  grpc::Status PruneImages(grpc::ServerContext* context, const v1::PruneImagesRequest* request,
                           v1::PruneImagesResponse* response) override;
  grpc::Status SearchImages(grpc::ServerContext* context, const v1::SearchImagesRequest* request,
                            v1::SearchImagesResponse* response) override;
  grpc::Status StatSnapshotPath(grpc::ServerContext* context,
                                const v1::ContainerPathRequest* request,
                                v1::ContainerPathStat* response) override;
  grpc::Status ArchiveSnapshotPath(grpc::ServerContext* context,
                                   const v1::ContainerPathRequest* request,
                                   grpc::ServerWriter<v1::ContainerArchiveChunk>* writer) override;
  grpc::Status ExtractToSnapshot(grpc::ServerContext* context,
                                 grpc::ServerReader<v1::ExtractToContainerRequest>* reader,
                                 v1::ExtractToContainerResponse* response) override;
  grpc::Status ExportSnapshot(grpc::ServerContext* context,
                              const v1::ContainerExportRequest* request,
                              grpc::ServerWriter<v1::ContainerArchiveChunk>* writer) override;
  grpc::Status SnapshotChanges(grpc::ServerContext* context,
                               const v1::ContainerChangesRequest* request,
                               v1::ContainerChangesResponse* response) override;

 private:
  ImageManager& manager_;
};

}  // namespace berth::imaged
