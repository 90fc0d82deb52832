#pragma once

// The public berth.v1.Berth gRPC service: a thin translator. Container calls
// go to ContainerService (one use-case method each), Version/Info to
// SystemService, image calls to ImageService. Unary and server-streaming
// methods use the sync API (a thread per call); AttachContainer uses the
// callback API so the call can end when the container's output ends even
// while the client still has its input side open.

#include "berth/v1/api.grpc.pb.h"
#include "services/apid/clients/clients.h"
#include "services/apid/usecases/image_service.h"
#include "services/apid/usecases/build_service.h"
#include "services/apid/usecases/container_files.h"
#include "services/apid/usecases/container_service.h"
#include "services/apid/usecases/event_service.h"
#include "services/apid/usecases/exec_service.h"
#include "services/apid/usecases/volume_service.h"
#include "services/apid/usecases/network_service.h"
#include "services/apid/usecases/system_service.h"

namespace berth::apid {

class BerthService final
    : public v1::Berth::WithCallbackMethod_AttachContainer<
          v1::Berth::WithCallbackMethod_AttachExec<v1::Berth::Service>> {
 public:
  // `execs` null: the exec rpcs answer UNIMPLEMENTED; `volumes` null: the
  // volume calls answer UNAVAILABLE; `builds` null: BuildImage answers
  // UNIMPLEMENTED.
  BerthService(ContainerService& containers, SystemService& system, ImagedClient& imaged,
               EventService& events, NetworkService& networks, ExecService* execs = nullptr,
               VolumeService* volumes = nullptr, BuildService* builds = nullptr);
  grpc::Status BuildImage(
      grpc::ServerContext* ctx,
      grpc::ServerReaderWriter<v1::BuildImageEvent, v1::BuildImageRequest>* stream) override;

  grpc::Status Version(grpc::ServerContext* ctx, const v1::VersionRequest* req,
                       v1::VersionResponse* resp) override;
  grpc::Status Info(grpc::ServerContext* ctx, const v1::InfoRequest* req,
                    v1::InfoResponse* resp) override;
  grpc::Status ImportImage(grpc::ServerContext* ctx,
                           grpc::ServerReader<v1::ImportImageRequest>* reader,
                           v1::ImportImageResponse* resp) override;
  grpc::Status ListImages(grpc::ServerContext* ctx, const v1::ListImagesApiRequest* req,
                          v1::ListImagesResponse* resp) override;
  grpc::Status InspectImage(grpc::ServerContext* ctx, const v1::InspectImageRequest* req,
                            v1::Image* resp) override;
  grpc::Status RemoveImage(grpc::ServerContext* ctx, const v1::RemoveImageRequest* req,
                           v1::RemoveImageResponse* resp) override;
  grpc::Status PullImage(grpc::ServerContext* ctx, const v1::PullImageRequest* req,
                         grpc::ServerWriter<v1::ProgressMessage>* writer) override;
  grpc::Status PushImage(grpc::ServerContext* ctx, const v1::PushImageRequest* req,
                         grpc::ServerWriter<v1::ProgressMessage>* writer) override;
  grpc::Status TagImage(grpc::ServerContext* ctx, const v1::TagImageRequest* req,
                        v1::TagImageResponse* resp) override;
  grpc::Status CreateContainer(grpc::ServerContext* ctx, const v1::CreateContainerApiRequest* req,
                               v1::CreateContainerApiResponse* resp) override;
  grpc::Status StartContainer(grpc::ServerContext* ctx, const v1::StartContainerApiRequest* req,
                              v1::StartContainerApiResponse* resp) override;
  grpc::Status WaitContainer(grpc::ServerContext* ctx, const v1::WaitContainerApiRequest* req,
                             grpc::ServerWriter<v1::WaitEvent>* writer) override;
  grpc::Status StopContainer(grpc::ServerContext* ctx, const v1::StopContainerApiRequest* req,
                             v1::StopContainerApiResponse* resp) override;
  grpc::Status KillContainer(grpc::ServerContext* ctx, const v1::KillContainerApiRequest* req,
                             v1::KillContainerApiResponse* resp) override;
  grpc::Status RemoveContainer(grpc::ServerContext* ctx, const v1::RemoveContainerApiRequest* req,
                               v1::RemoveContainerApiResponse* resp) override;
  grpc::Status ListContainers(grpc::ServerContext* ctx, const v1::ListContainersApiRequest* req,
                              v1::ListContainersApiResponse* resp) override;
  grpc::Status InspectContainer(grpc::ServerContext* ctx,
                                const v1::InspectContainerApiRequest* req,
                                v1::Container* resp) override;
  grpc::Status ContainerStats(grpc::ServerContext* ctx, const v1::ContainerStatsApiRequest* req,
                              v1::ContainerStats* resp) override;
  grpc::Status Events(grpc::ServerContext* ctx, const v1::EventsApiRequest* req,
                      grpc::ServerWriter<v1::Event>* writer) override;

  // berth_service_networks.cc
  grpc::Status ListNetworks(grpc::ServerContext* ctx, const v1::ListNetworksApiRequest* req,
                            v1::ListNetworksResponse* resp) override;
  grpc::Status InspectNetwork(grpc::ServerContext* ctx, const v1::InspectNetworkRequest* req,
                              v1::Network* resp) override;
  grpc::Status CreateNetwork(grpc::ServerContext* ctx, const v1::CreateNetworkRequest* req,
                             v1::Network* resp) override;
  grpc::Status RemoveNetwork(grpc::ServerContext* ctx, const v1::RemoveNetworkRequest* req,
                             v1::RemoveNetworkResponse* resp) override;
  grpc::Status ConnectNetwork(grpc::ServerContext* ctx, const v1::ConnectNetworkApiRequest* req,
                              v1::ConnectNetworkApiResponse* resp) override;
  grpc::Status DisconnectNetwork(grpc::ServerContext* ctx,
                                 const v1::DisconnectNetworkApiRequest* req,
                                 v1::DisconnectNetworkApiResponse* resp) override;
  grpc::Status ContainerLogs(grpc::ServerContext* ctx, const v1::ContainerLogsApiRequest* req,
                             grpc::ServerWriter<v1::LogBatch>* writer) override;
  grpc::ServerBidiReactor<v1::AttachInput, v1::AttachOutput>* AttachContainer(
      grpc::CallbackServerContext* ctx) override;
  grpc::Status ResizeContainer(grpc::ServerContext* ctx, const v1::ResizeContainerApiRequest* req,
                               v1::ResizeContainerApiResponse* resp) override;

  // Exec: one ExecService call each; AttachExec (callback API, like
  // AttachContainer) forwards the client's stream to runtimed's.
  grpc::Status CreateExec(grpc::ServerContext* ctx, const v1::CreateExecRequest* req,
                          v1::ExecInspect* resp) override;
  grpc::Status StartExec(grpc::ServerContext* ctx, const v1::StartExecRequest* req,
                         v1::StartExecResponse* resp) override;
  grpc::ServerBidiReactor<v1::AttachInput, v1::AttachOutput>* AttachExec(
      grpc::CallbackServerContext* ctx) override;
  grpc::Status ResizeExec(grpc::ServerContext* ctx, const v1::ResizeExecRequest* req,
                          v1::ResizeExecResponse* resp) override;
  grpc::Status InspectExec(grpc::ServerContext* ctx, const v1::InspectExecRequest* req,
                           v1::ExecInspect* resp) override;

  grpc::Status CreateVolume(grpc::ServerContext* ctx, const v1::CreateVolumeRequest* req,
                            v1::Volume* resp) override;
  grpc::Status InspectVolume(grpc::ServerContext* ctx, const v1::InspectVolumeRequest* req,
                             v1::Volume* resp) override;
  grpc::Status ListVolumes(grpc::ServerContext* ctx, const v1::ListVolumesRequest* req,
                           v1::ListVolumesResponse* resp) override;
  grpc::Status RemoveVolume(grpc::ServerContext* ctx, const v1::RemoveVolumeRequest* req,
                            v1::RemoveVolumeResponse* resp) override;
  grpc::Status PruneVolumes(grpc::ServerContext* ctx, const v1::PruneVolumesRequest* req,
                            v1::PruneVolumesResponse* resp) override;

  // berth_service_images.cc: save/load, history, prune, search.
  grpc::Status SaveImages(grpc::ServerContext* ctx, const v1::SaveImagesRequest* req,
                          grpc::ServerWriter<v1::SaveImagesChunk>* writer) override;
  grpc::Status LoadImages(grpc::ServerContext* ctx,
                          grpc::ServerReader<v1::LoadImagesRequest>* reader,
                          v1::LoadImagesResponse* resp) override;
  grpc::Status ImageHistory(grpc::ServerContext* ctx, const v1::ImageHistoryRequest* req,
                            v1::ImageHistoryResponse* resp) override;
  grpc::Status PruneImages(grpc::ServerContext* ctx, const v1::PruneImagesRequest* req,
                           v1::PruneImagesResponse* resp) override;
  grpc::Status SearchImages(grpc::ServerContext* ctx, const v1::SearchImagesRequest* req,
                            v1::SearchImagesResponse* resp) override;
  grpc::Status Login(grpc::ServerContext* ctx, const v1::LoginRequest* req,
                     v1::LoginResponse* resp) override;
  // A container's files (berth_service_files.cc): cp, export, diff, commit.
  // They answer UNIMPLEMENTED until SetFileService() is called.
  void SetFileService(ContainerFileService* files) { files_ = files; }
  // The image use cases shared with REST; without it, one over `imaged`.
  void SetImageService(ImageService* images) { images_ = images; }
  grpc::Status StatContainerPath(grpc::ServerContext* ctx, const v1::ContainerPathRequest* req,
                                 v1::ContainerPathStat* resp) override;
  grpc::Status ArchiveContainerPath(grpc::ServerContext* ctx, const v1::ContainerPathRequest* req,
                                    grpc::ServerWriter<v1::ContainerArchiveChunk>* writer) override;
  grpc::Status ExtractToContainer(grpc::ServerContext* ctx,
                                  grpc::ServerReader<v1::ExtractToContainerRequest>* reader,
                                  v1::ExtractToContainerResponse* resp) override;
  grpc::Status ExportContainer(grpc::ServerContext* ctx, const v1::ContainerExportRequest* req,
                               grpc::ServerWriter<v1::ContainerArchiveChunk>* writer) override;
  grpc::Status ContainerChanges(grpc::ServerContext* ctx, const v1::ContainerChangesRequest* req,
                                v1::ContainerChangesResponse* resp) override;
  grpc::Status CommitContainer(grpc::ServerContext* ctx, const v1::CommitContainerRequest* req,
                               v1::CommitContainerResponse* resp) override;
  // Pause, unpause, top, rename, prune (berth_service_ops.cc).
  grpc::Status PauseContainer(grpc::ServerContext* ctx, const v1::PauseContainerRequest* req,
                              v1::PauseContainerResponse* resp) override;
  grpc::Status UnpauseContainer(grpc::ServerContext* ctx, const v1::UnpauseContainerRequest* req,
                                v1::UnpauseContainerResponse* resp) override;
  grpc::Status TopContainer(grpc::ServerContext* ctx, const v1::TopContainerRequest* req,
                            v1::TopContainerResponse* resp) override;
  grpc::Status RenameContainer(grpc::ServerContext* ctx, const v1::RenameContainerRequest* req,
                               v1::RenameContainerResponse* resp) override;
  grpc::Status PruneContainers(grpc::ServerContext* ctx, const v1::PruneContainersRequest* req,
                               v1::PruneContainersResponse* resp) override;
  grpc::Status UpdateContainer(grpc::ServerContext* ctx, const v1::UpdateContainerRequest* req,
                               v1::UpdateContainerResponse* resp) override;
  grpc::Status DiskUsage(grpc::ServerContext* ctx, const v1::DiskUsageRequest* req,
                         v1::DiskUsageResponse* resp) override;

 private:
  ContainerService& containers_;
  ContainerFileService* files_ = nullptr;
  ExecService* execs_;
  VolumeService* volumes_;  // the volume calls answer UNAVAILABLE without it
  SystemService& system_;
  ImagedClient& imaged_;
  EventService& events_;
  BuildService* builds_;
  NetworkService& networks_;
  ImageService own_images_{imaged_};
  ImageService* images_ = &own_images_;
};

}  // namespace berth::apid
