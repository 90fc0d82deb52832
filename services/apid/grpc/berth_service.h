#pragma once

// The public berth.v1.Berth gRPC service: a thin translator. Container calls
// go to ContainerService (one use-case method each), Version/Info to
// SystemService, image calls to imaged. Unary and server-streaming
// methods use the sync API (a thread per call); AttachContainer uses the
// callback API so the call can end when the container's output ends even
// while the client still has its input side open.

#include "berth/v1/api.grpc.pb.h"
#include "services/apid/clients/clients.h"
#include "services/apid/usecases/container_service.h"
#include "services/apid/usecases/network_service.h"
#include "services/apid/usecases/system_service.h"

namespace berth::apid {

class BerthService final
    : public v1::Berth::WithCallbackMethod_AttachContainer<v1::Berth::Service> {
 public:
  BerthService(ContainerService& containers, SystemService& system, ImagedClient& imaged,
               NetworkService& networks);

  grpc::Status Version(grpc::ServerContext* ctx, const v1::VersionRequest* req,
                       v1::VersionResponse* resp) override;
  grpc::Status Info(grpc::ServerContext* ctx, const v1::InfoRequest* req,
                    v1::InfoResponse* resp) override;
  grpc::Status ImportImage(grpc::ServerContext* ctx,
                           grpc::ServerReader<v1::ImportImageRequest>* reader,
                           v1::ImportImageResponse* resp) override;
  grpc::Status ListImages(grpc::ServerContext* ctx, const v1::ListImagesRequest* req,
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
                             grpc::ServerWriter<v1::LogEntry>* writer) override;
  grpc::ServerBidiReactor<v1::AttachInput, v1::AttachOutput>* AttachContainer(
      grpc::CallbackServerContext* ctx) override;
  grpc::Status ResizeContainer(grpc::ServerContext* ctx, const v1::ResizeContainerApiRequest* req,
                               v1::ResizeContainerApiResponse* resp) override;

 private:
  ContainerService& containers_;
  SystemService& system_;
  ImagedClient& imaged_;
  NetworkService& networks_;
};

}  // namespace berth::apid
