#include "services/apid/clients/grpc_clients.h"

#include <utility>

#include <grpcpp/client_context.h>
#include <grpcpp/server_context.h>

#include "berth/v1/imaged.grpc.pb.h"
#include "berth/v1/netd.grpc.pb.h"
#include "berth/v1/runtimed.grpc.pb.h"
#include "common/grpc/channel.h"
#include "common/grpc/deadlines.h"
#include "common/grpc/grpc_status.h"
#include "services/apid/clients/grpc_streams.h"

namespace berth::apid {

std::unique_ptr<grpc::ClientContext> StreamContext(const grpc::ServerContextBase* parent) {
  if (parent != nullptr) {
    // Propagates cancellation (and the caller's deadline, if any).
    return grpc::ClientContext::FromServerContext(*parent);
  }
  return std::make_unique<grpc::ClientContext>();
}

namespace {

// Runs one unary call with the default deadline and converts the status.
// A service that is down is named, so the user sees which one.
template <typename Fn>
absl::Status UnaryCall(const char* service, Fn call,
                       std::chrono::milliseconds deadline = kDefaultRpcDeadline) {
  grpc::ClientContext context;
  SetDeadline(context, deadline);
  absl::Status status = FromGrpcStatus(call(&context));
  if (absl::IsUnavailable(status)) {
    return absl::UnavailableError(std::string(service) + " is unavailable: " +
                                  std::string(status.message()));
  }
  return status;
}

class GrpcImagedClient : public ImagedClient {
  template <typename Fn>
  static absl::Status Unary(Fn call) {
    return UnaryCall("imaged", call);
  }

 public:
  explicit GrpcImagedClient(std::shared_ptr<grpc::Channel> channel)
      : stub_(v1::ImageService::NewStub(std::move(channel))) {}

  absl::StatusOr<v1::Image> InspectImage(const std::string& reference) override {
    v1::InspectImageRequest request;
    request.set_reference(reference);
    v1::Image image;
    absl::Status status =
        Unary([&](grpc::ClientContext* c) { return stub_->InspectImage(c, request, &image); });
    if (!status.ok()) return status;
    return image;
  }

  absl::StatusOr<std::vector<v1::Image>> ListImages(bool all) override {
    v1::ListImagesRequest request;
    request.set_all(all);
    v1::ListImagesResponse response;
    absl::Status status =
        Unary([&](grpc::ClientContext* c) { return stub_->ListImages(c, request, &response); });
    if (!status.ok()) return status;
    return std::vector<v1::Image>(response.images().begin(), response.images().end());
  }

  absl::StatusOr<v1::RemoveImageResponse> RemoveImage(const std::string& reference,
                                                      bool force) override {
    v1::RemoveImageRequest request;
    request.set_reference(reference);
    request.set_force(force);
    v1::RemoveImageResponse response;
    absl::Status status =
        Unary([&](grpc::ClientContext* c) { return stub_->RemoveImage(c, request, &response); });
    if (!status.ok()) return status;
    return response;
  }

  absl::StatusOr<std::vector<v1::Mount>> PrepareSnapshot(const std::string& key,
                                                         const std::string& image_id) override {
    v1::PrepareSnapshotRequest request;
    request.set_key(key);
    request.set_image_id(image_id);
    v1::PrepareSnapshotResponse response;
    absl::Status status = Unary(
        [&](grpc::ClientContext* c) { return stub_->PrepareSnapshot(c, request, &response); });
    if (!status.ok()) return status;
    return std::vector<v1::Mount>(response.mounts().begin(), response.mounts().end());
  }

  absl::Status RemoveSnapshot(const std::string& key) override {
    v1::RemoveSnapshotRequest request;
    request.set_key(key);
    v1::RemoveSnapshotResponse response;
    return Unary(
        [&](grpc::ClientContext* c) { return stub_->RemoveSnapshot(c, request, &response); });
  }

  absl::StatusOr<std::vector<std::string>> ListSnapshots() override {
    v1::ListSnapshotsRequest request;
    v1::ListSnapshotsResponse response;
    absl::Status status =
        Unary([&](grpc::ClientContext* c) { return stub_->ListSnapshots(c, request, &response); });
    if (!status.ok()) return status;
    return std::vector<std::string>(response.keys().begin(), response.keys().end());
  }

  std::unique_ptr<ImportStream> ImportImage(const grpc::ServerContextBase* parent) override {
    return std::make_unique<GrpcWriteStream<v1::ImportImageRequest, v1::ImportImageResponse>>(
        StreamContext(parent), [this](grpc::ClientContext* c, v1::ImportImageResponse* r) {
          return stub_->ImportImage(c, r);
        });
  }

  std::unique_ptr<CreateImageStream> CreateImage(const grpc::ServerContextBase* parent) override {
    return std::make_unique<GrpcWriteStream<v1::CreateImageRequest, v1::CreateImageResponse>>(
        StreamContext(parent), [this](grpc::ClientContext* c, v1::CreateImageResponse* r) {
          return stub_->CreateImage(c, r);
        });
  }

  std::unique_ptr<ReadStream<v1::ExportImagePathsChunk>> ExportImagePaths(
      const v1::ExportImagePathsRequest& request, const grpc::ServerContextBase* parent) override {
    return std::make_unique<GrpcReadStream<v1::ExportImagePathsChunk>>(
        StreamContext(parent),
        [&](grpc::ClientContext* c) { return stub_->ExportImagePaths(c, request); });
  }

  absl::StatusOr<v1::Image> CommitSnapshot(const v1::CommitSnapshotRequest& request) override {
    v1::CommitSnapshotResponse response;
    absl::Status status = Unary(
        [&](grpc::ClientContext* c) { return stub_->CommitSnapshot(c, request, &response); });
    if (!status.ok()) return status;
    return response.image();
  }

  absl::StatusOr<v1::ContainerPathStat> StatSnapshotPath(
      const v1::ContainerPathRequest& request) override {
    v1::ContainerPathStat response;
    absl::Status status = Unary(
        [&](grpc::ClientContext* c) { return stub_->StatSnapshotPath(c, request, &response); });
    if (!status.ok()) return status;
    return response;
  }

  std::unique_ptr<ArchiveStream> ArchiveSnapshotPath(const v1::ContainerPathRequest& request,
                                                     const grpc::ServerContextBase* parent) override {
    return std::make_unique<GrpcReadStream<v1::ContainerArchiveChunk>>(
        StreamContext(parent),
        [&](grpc::ClientContext* c) { return stub_->ArchiveSnapshotPath(c, request); });
  }

  std::unique_ptr<ExtractStream> ExtractToSnapshot(const grpc::ServerContextBase* parent) override {
    return std::make_unique<
        GrpcWriteStream<v1::ExtractToContainerRequest, v1::ExtractToContainerResponse>>(
        StreamContext(parent), [this](grpc::ClientContext* c, v1::ExtractToContainerResponse* r) {
          return stub_->ExtractToSnapshot(c, r);
        });
  }

  std::unique_ptr<ArchiveStream> ExportSnapshot(const v1::ContainerExportRequest& request,
                                                const grpc::ServerContextBase* parent) override {
    return std::make_unique<GrpcReadStream<v1::ContainerArchiveChunk>>(
        StreamContext(parent),
        [&](grpc::ClientContext* c) { return stub_->ExportSnapshot(c, request); });
  }

  absl::StatusOr<v1::LayerUsageResponse> LayerUsage() override {
    v1::LayerUsageRequest request;
    v1::LayerUsageResponse response;
    absl::Status status =
        Unary([&](grpc::ClientContext* c) { return stub_->LayerUsage(c, request, &response); });
    if (!status.ok()) return status;
    return response;
  }

  absl::StatusOr<v1::ContainerChangesResponse> SnapshotChanges(
      const v1::ContainerChangesRequest& request) override {
    v1::ContainerChangesResponse response;
    absl::Status status = Unary(
        [&](grpc::ClientContext* c) { return stub_->SnapshotChanges(c, request, &response); });
    if (!status.ok()) return status;
    return response;
  }

  std::unique_ptr<ProgressStream> PullImage(const v1::PullImageRequest& request,
                                            const grpc::ServerContextBase* parent) override {
    return std::make_unique<GrpcReadStream<v1::ProgressMessage>>(
        StreamContext(parent),
        [&](grpc::ClientContext* c) { return stub_->PullImage(c, request); });
  }

  absl::Status TagImage(const std::string& source, const std::string& target) override {
    v1::TagImageRequest request;
    request.set_source(source);
    request.set_target(target);
    v1::TagImageResponse response;
    return Unary([&](grpc::ClientContext* c) { return stub_->TagImage(c, request, &response); });
  }

  std::unique_ptr<ProgressStream> PushImage(const v1::PushImageRequest& request,
                                            const grpc::ServerContextBase* parent) override {
    return std::make_unique<GrpcReadStream<v1::ProgressMessage>>(
        StreamContext(parent),
        [&](grpc::ClientContext* c) { return stub_->PushImage(c, request); });
  }

  absl::StatusOr<v1::LoginResponse> Login(const v1::LoginRequest& request) override {
    v1::LoginResponse response;
    absl::Status s =
        Unary([&](grpc::ClientContext* c) { return stub_->Login(c, request, &response); });
    if (!s.ok()) return s;
    return response;
  }

  std::unique_ptr<EventStream> Events(const v1::EventsRequest& request) override {
    return std::make_unique<GrpcReadStream<v1::Event>>(
        StreamContext(nullptr),
        [&](grpc::ClientContext* c) { return stub_->Events(c, request); });
  }

  std::unique_ptr<ReadStream<v1::SaveImagesChunk>> SaveImages(
      const v1::SaveImagesRequest& request, const grpc::ServerContextBase* parent) override {
    return std::make_unique<GrpcReadStream<v1::SaveImagesChunk>>(
        StreamContext(parent),
        [&](grpc::ClientContext* c) { return stub_->SaveImages(c, request); });
  }

  std::unique_ptr<LoadStream> LoadImages(const grpc::ServerContextBase* parent) override {
    return std::make_unique<GrpcWriteStream<v1::LoadImagesRequest, v1::LoadImagesResponse>>(
        StreamContext(parent), [this](grpc::ClientContext* c, v1::LoadImagesResponse* r) {
          return stub_->LoadImages(c, r);
        });
  }

  absl::StatusOr<v1::ImageHistoryResponse> ImageHistory(const std::string& reference) override {
    v1::ImageHistoryRequest request;
    request.set_reference(reference);
    v1::ImageHistoryResponse response;
    absl::Status s =
        Unary([&](grpc::ClientContext* c) { return stub_->ImageHistory(c, request, &response); });
    if (!s.ok()) return s;
    return response;
  }

  absl::StatusOr<v1::PruneImagesResponse> PruneImages(
      const v1::PruneImagesRequest& request) override {
    v1::PruneImagesResponse response;
    absl::Status s =
        Unary([&](grpc::ClientContext* c) { return stub_->PruneImages(c, request, &response); });
    if (!s.ok()) return s;
    return response;
  }

  absl::StatusOr<v1::SearchImagesResponse> SearchImages(
      const v1::SearchImagesRequest& request) override {
    v1::SearchImagesResponse response;
    absl::Status s =
        Unary([&](grpc::ClientContext* c) { return stub_->SearchImages(c, request, &response); });
    if (!s.ok()) return s;
    return response;
  }

 private:
  std::unique_ptr<v1::ImageService::Stub> stub_;
};

class GrpcNetdClient : public NetdClient {
  template <typename Fn>
  static absl::Status Unary(Fn call) {
    return UnaryCall("netd", call);
  }

 public:
  explicit GrpcNetdClient(std::shared_ptr<grpc::Channel> channel)
      : stub_(v1::NetworkService::NewStub(std::move(channel))) {}

  absl::StatusOr<v1::AttachResponse> Attach(const v1::AttachRequest& request) override {
    v1::AttachResponse response;
    absl::Status status =
        Unary([&](grpc::ClientContext* c) { return stub_->Attach(c, request, &response); });
    if (!status.ok()) return status;
    return response;
  }

  absl::Status Detach(const std::string& container_id) override {
    v1::DetachRequest request;
    request.set_container_id(container_id);
    v1::DetachResponse response;
    return Unary([&](grpc::ClientContext* c) { return stub_->Detach(c, request, &response); });
  }

  absl::StatusOr<std::vector<std::string>> ListEndpoints() override {
    v1::ListEndpointsRequest request;
    v1::ListEndpointsResponse response;
    absl::Status status =
        Unary([&](grpc::ClientContext* c) { return stub_->ListEndpoints(c, request, &response); });
    if (!status.ok()) return status;
    return std::vector<std::string>(response.container_ids().begin(),
                                    response.container_ids().end());
  }

  absl::StatusOr<v1::NetworkSummary> GetEndpoint(const std::string& container_id) override {
    v1::GetEndpointRequest request;
    request.set_container_id(container_id);
    v1::GetEndpointResponse response;
    absl::Status status =
        Unary([&](grpc::ClientContext* c) { return stub_->GetEndpoint(c, request, &response); });
    if (!status.ok()) return status;
    return response.summary();
  }

  absl::Status RenameEndpoint(const std::string& container_id, const std::string& name) override {
    v1::RenameEndpointRequest request;
    request.set_container_id(container_id);
    request.set_name(name);
    v1::RenameEndpointResponse response;
    return Unary(
        [&](grpc::ClientContext* c) { return stub_->RenameEndpoint(c, request, &response); });
  }

  absl::StatusOr<std::vector<v1::Network>> ListNetworks() override {
    v1::ListNetworksRequest request;
    v1::ListNetworksResponse response;
    absl::Status status =
        Unary([&](grpc::ClientContext* c) { return stub_->ListNetworks(c, request, &response); });
    if (!status.ok()) return status;
    return std::vector<v1::Network>(response.networks().begin(), response.networks().end());
  }

  absl::StatusOr<v1::Network> InspectNetwork(const std::string& network) override {
    v1::InspectNetworkRequest request;
    request.set_network(network);
    v1::Network response;
    absl::Status status =
        Unary([&](grpc::ClientContext* c) { return stub_->InspectNetwork(c, request, &response); });
    if (!status.ok()) return status;
    return response;
  }

  absl::StatusOr<v1::Network> CreateNetwork(const v1::CreateNetworkRequest& request) override {
    v1::Network response;
    absl::Status status =
        Unary([&](grpc::ClientContext* c) { return stub_->CreateNetwork(c, request, &response); });
    if (!status.ok()) return status;
    return response;
  }

  absl::Status RemoveNetwork(const std::string& network) override {
    v1::RemoveNetworkRequest request;
    request.set_network(network);
    v1::RemoveNetworkResponse response;
    return Unary(
        [&](grpc::ClientContext* c) { return stub_->RemoveNetwork(c, request, &response); });
  }

  absl::StatusOr<v1::NetworkSummary> ConnectNetwork(
      const v1::ConnectNetworkRequest& request) override {
    v1::ConnectNetworkResponse response;
    absl::Status status =
        Unary([&](grpc::ClientContext* c) { return stub_->ConnectNetwork(c, request, &response); });
    if (!status.ok()) return status;
    return response.summary();
  }

  absl::StatusOr<v1::NetworkSummary> DisconnectNetwork(const std::string& container_id,
                                                       const std::string& network) override {
    v1::DisconnectNetworkRequest request;
    request.set_container_id(container_id);
    request.set_network(network);
    v1::DisconnectNetworkResponse response;
    absl::Status status = Unary(
        [&](grpc::ClientContext* c) { return stub_->DisconnectNetwork(c, request, &response); });
    if (!status.ok()) return status;
    return response.summary();
  }

  std::unique_ptr<EventStream> Events(const v1::EventsRequest& request) override {
    return std::make_unique<GrpcReadStream<v1::Event>>(
        StreamContext(nullptr),
        [&](grpc::ClientContext* c) { return stub_->Events(c, request); });
  }

 private:
  std::unique_ptr<v1::NetworkService::Stub> stub_;
};

class GrpcRuntimedClient : public RuntimedClient {
  template <typename Fn>
  static absl::Status Unary(Fn call) {
    return UnaryCall("runtimed", call);
  }

 public:
  explicit GrpcRuntimedClient(std::shared_ptr<grpc::Channel> channel)
      : stub_(v1::RuntimeService::NewStub(std::move(channel))) {}

  absl::StatusOr<v1::Container> CreateContainer(
      const v1::CreateContainerRequest& request) override {
    v1::Container response;
    absl::Status status = Unary(
        [&](grpc::ClientContext* c) { return stub_->CreateContainer(c, request, &response); });
    if (!status.ok()) return status;
    return response;
  }

  absl::StatusOr<v1::StartContainerResponse> StartContainer(
      const v1::StartContainerRequest& request) override {
    v1::StartContainerResponse response;
    // runtimed waits up to the shim's readiness timeout: giving up earlier
    // would report a failure for a start that then succeeds.
    absl::Status status = UnaryCall(
        "runtimed",
        [&](grpc::ClientContext* c) { return stub_->StartContainer(c, request, &response); },
        kStartContainerDeadline);
    if (!status.ok()) return status;
    return response;
  }

  absl::StatusOr<v1::StopContainerResponse> StopContainer(
      const v1::StopContainerRequest& request) override {
    v1::StopContainerResponse response;
    // A stop waits up to the container's timeout before SIGKILL, which may be
    // longer than the default deadline.
    // -1 means the container's own StopTimeout, which apid does not know here.
    int wait = request.timeout_seconds() >= 0 ? request.timeout_seconds() : 600;
    absl::Status status = UnaryCall(
        "runtimed",
        [&](grpc::ClientContext* c) { return stub_->StopContainer(c, request, &response); },
        kDefaultRpcDeadline + std::chrono::seconds(wait));
    if (!status.ok()) return status;
    return response;
  }

  absl::Status KillContainer(const v1::KillContainerRequest& request) override {
    v1::KillContainerResponse response;
    return Unary(
        [&](grpc::ClientContext* c) { return stub_->KillContainer(c, request, &response); });
  }

  absl::StatusOr<v1::Container> RemoveContainer(const std::string& container, bool force,
                                                bool remove_volumes) override {
    v1::RemoveContainerRequest request;
    request.set_container(container);
    request.set_force(force);
    request.set_remove_volumes(remove_volumes);
    v1::Container response;
    absl::Status status = Unary(
        [&](grpc::ClientContext* c) { return stub_->RemoveContainer(c, request, &response); });
    if (!status.ok()) return status;
    return response;
  }

  absl::StatusOr<std::vector<v1::Container>> ListContainers(bool all) override {
    v1::ListContainersRequest request;
    request.set_all(all);
    v1::ListContainersResponse response;
    absl::Status status = Unary(
        [&](grpc::ClientContext* c) { return stub_->ListContainers(c, request, &response); });
    if (!status.ok()) return status;
    return std::vector<v1::Container>(response.containers().begin(),
                                      response.containers().end());
  }

  absl::StatusOr<v1::Container> InspectContainer(const std::string& container) override {
    v1::InspectContainerRequest request;
    request.set_container(container);
    v1::Container response;
    absl::Status status = Unary(
        [&](grpc::ClientContext* c) { return stub_->InspectContainer(c, request, &response); });
    if (!status.ok()) return status;
    return response;
  }

  absl::StatusOr<v1::ContainerStats> ContainerStats(const std::string& container) override {
    v1::ContainerStatsRequest request;
    request.set_container(container);
    v1::ContainerStats response;
    absl::Status status = Unary(
        [&](grpc::ClientContext* c) { return stub_->ContainerStats(c, request, &response); });
    if (!status.ok()) return status;
    return response;
  }

  absl::StatusOr<v1::UpdateContainerResponse> UpdateContainer(
      const v1::UpdateContainerRequest& request) override {
    v1::UpdateContainerResponse response;
    absl::Status status = Unary(
        [&](grpc::ClientContext* c) { return stub_->UpdateContainer(c, request, &response); });
    if (!status.ok()) return status;
    return response;
  }

  absl::StatusOr<v1::ContainerPathStat> StatContainerPath(
      const v1::ContainerPathRequest& request) override {
    v1::ContainerPathStat response;
    absl::Status status = Unary(
        [&](grpc::ClientContext* c) { return stub_->StatContainerPath(c, request, &response); });
    if (!status.ok()) return status;
    return response;
  }

  absl::StatusOr<v1::Container> SetContainerNetworks(
      const v1::SetContainerNetworksRequest& request) override {
    v1::Container response;
    absl::Status status = Unary([&](grpc::ClientContext* c) {
      return stub_->SetContainerNetworks(c, request, &response);
    });
    if (!status.ok()) return status;
    return response;
  }

  std::unique_ptr<ReadStream<v1::ContainerArchiveChunk>> ArchiveContainerPath(
      const v1::ContainerPathRequest& request, const grpc::ServerContextBase* parent) override {
    return std::make_unique<GrpcReadStream<v1::ContainerArchiveChunk>>(
        StreamContext(parent),
        [&](grpc::ClientContext* c) { return stub_->ArchiveContainerPath(c, request); });
  }

  std::unique_ptr<WriteStream<v1::ExtractToContainerRequest, v1::ExtractToContainerResponse>>
  ExtractToContainer(const grpc::ServerContextBase* parent) override {
    return std::make_unique<
        GrpcWriteStream<v1::ExtractToContainerRequest, v1::ExtractToContainerResponse>>(
        StreamContext(parent), [this](grpc::ClientContext* c, v1::ExtractToContainerResponse* r) {
          return stub_->ExtractToContainer(c, r);
        });
  }

  absl::StatusOr<v1::Volume> CreateVolume(const v1::CreateVolumeRequest& request) override {
    v1::Volume response;
    absl::Status status = Unary(
        [&](grpc::ClientContext* c) { return stub_->CreateVolume(c, request, &response); });
    if (!status.ok()) return status;
    return response;
  }

  absl::StatusOr<v1::Volume> InspectVolume(const std::string& name) override {
    v1::InspectVolumeRequest request;
    request.set_name(name);
    v1::Volume response;
    absl::Status status = Unary(
        [&](grpc::ClientContext* c) { return stub_->InspectVolume(c, request, &response); });
    if (!status.ok()) return status;
    return response;
  }

  absl::StatusOr<std::vector<v1::Volume>> ListVolumes(const v1::VolumeFilters& filters,
                                                      bool with_size) override {
    v1::ListVolumesRequest request;
    *request.mutable_filters() = filters;
    request.set_with_size(with_size);
    v1::ListVolumesResponse response;
    absl::Status status = Unary(
        [&](grpc::ClientContext* c) { return stub_->ListVolumes(c, request, &response); });
    if (!status.ok()) return status;
    return std::vector<v1::Volume>(response.volumes().begin(), response.volumes().end());
  }

  absl::Status RemoveVolume(const std::string& name, bool force) override {
    v1::RemoveVolumeRequest request;
    request.set_name(name);
    request.set_force(force);
    v1::RemoveVolumeResponse response;
    return Unary(
        [&](grpc::ClientContext* c) { return stub_->RemoveVolume(c, request, &response); });
  }

  absl::StatusOr<v1::PruneVolumesResponse> PruneVolumes(
      const v1::VolumeFilters& filters) override {
    v1::PruneVolumesRequest request;
    *request.mutable_filters() = filters;
    v1::PruneVolumesResponse response;
    absl::Status status = Unary(
        [&](grpc::ClientContext* c) { return stub_->PruneVolumes(c, request, &response); });
    if (!status.ok()) return status;
    return response;
  }

  absl::Status PauseContainer(const std::string& container) override {
    v1::PauseContainerRequest request;
    request.set_container(container);
    v1::PauseContainerResponse response;
    return Unary(
        [&](grpc::ClientContext* c) { return stub_->PauseContainer(c, request, &response); });
  }

  absl::Status UnpauseContainer(const std::string& container) override {
    v1::UnpauseContainerRequest request;
    request.set_container(container);
    v1::UnpauseContainerResponse response;
    return Unary(
        [&](grpc::ClientContext* c) { return stub_->UnpauseContainer(c, request, &response); });
  }

  absl::StatusOr<v1::TopContainerResponse> TopContainer(
      const v1::TopContainerRequest& request) override {
    v1::TopContainerResponse response;
    absl::Status status = Unary(
        [&](grpc::ClientContext* c) { return stub_->TopContainer(c, request, &response); });
    if (!status.ok()) return status;
    return response;
  }

  absl::StatusOr<v1::RenameContainerResponse> RenameContainer(
      const v1::RenameContainerRequest& request) override {
    v1::RenameContainerResponse response;
    absl::Status status = Unary(
        [&](grpc::ClientContext* c) { return stub_->RenameContainer(c, request, &response); });
    if (!status.ok()) return status;
    return response;
  }

  absl::Status RecordContainerEvent(const v1::RecordContainerEventRequest& request) override {
    v1::RecordContainerEventResponse response;
    return Unary([&](grpc::ClientContext* c) {
      return stub_->RecordContainerEvent(c, request, &response);
    });
  }

  absl::StatusOr<v1::RuntimeInfoResponse> RuntimeInfo() override {
    v1::RuntimeInfoResponse response;
    absl::Status status = Unary([&](grpc::ClientContext* c) {
      return stub_->RuntimeInfo(c, v1::RuntimeInfoRequest(), &response);
    });
    if (!status.ok()) return status;
    return response;
  }

  absl::Status ResizeContainer(const v1::ResizeContainerRequest& request) override {
    v1::ResizeContainerResponse response;
    return Unary(
        [&](grpc::ClientContext* c) { return stub_->ResizeContainer(c, request, &response); });
  }

  std::unique_ptr<WaitStream> WaitContainer(const v1::WaitContainerRequest& request,
                                            const grpc::ServerContextBase* parent) override {
    return std::make_unique<GrpcReadStream<v1::WaitEvent>>(
        StreamContext(parent),
        [&](grpc::ClientContext* c) { return stub_->WaitContainer(c, request); });
  }

  std::unique_ptr<LogStream> ContainerLogs(const v1::ContainerLogsRequest& request,
                                           const grpc::ServerContextBase* parent) override {
    return std::make_unique<GrpcReadStream<v1::LogBatch>>(
        StreamContext(parent),
        [&](grpc::ClientContext* c) { return stub_->ContainerLogs(c, request); });
  }

  std::unique_ptr<AttachStream> AttachContainer(const grpc::ServerContextBase* parent) override {
    return std::make_unique<GrpcBidiStream<v1::AttachInput, v1::AttachOutput>>(
        StreamContext(parent),
        [&](grpc::ClientContext* c) { return stub_->AttachContainer(c); });
  }

  std::unique_ptr<EventStream> Events(const v1::EventsRequest& request) override {
    return std::make_unique<GrpcReadStream<v1::Event>>(
        StreamContext(nullptr),
        [&](grpc::ClientContext* c) { return stub_->Events(c, request); });
  }

  absl::StatusOr<v1::ExecInspect> CreateExec(const v1::CreateExecRequest& request) override {
    v1::ExecInspect response;
    absl::Status status =
        Unary([&](grpc::ClientContext* c) { return stub_->CreateExec(c, request, &response); });
    if (!status.ok()) return status;
    return response;
  }

  absl::StatusOr<v1::StartExecResponse> StartExec(const v1::StartExecRequest& request) override {
    v1::StartExecResponse response;
    // Like a container start, it waits for the (exec) shim's readiness.
    absl::Status status = UnaryCall(
        "runtimed",
        [&](grpc::ClientContext* c) { return stub_->StartExec(c, request, &response); },
        kStartContainerDeadline);
    if (!status.ok()) return status;
    return response;
  }

  std::unique_ptr<AttachStream> AttachExec(const grpc::ServerContextBase* parent) override {
    return std::make_unique<GrpcBidiStream<v1::AttachInput, v1::AttachOutput>>(
        StreamContext(parent), [&](grpc::ClientContext* c) { return stub_->AttachExec(c); });
  }

  absl::Status ResizeExec(const v1::ResizeExecRequest& request) override {
    v1::ResizeExecResponse response;
    return Unary([&](grpc::ClientContext* c) { return stub_->ResizeExec(c, request, &response); });
  }

  absl::StatusOr<v1::ExecInspect> InspectExec(const std::string& exec_id) override {
    v1::InspectExecRequest request;
    request.set_exec_id(exec_id);
    v1::ExecInspect response;
    absl::Status status =
        Unary([&](grpc::ClientContext* c) { return stub_->InspectExec(c, request, &response); });
    if (!status.ok()) return status;
    return response;
  }

 private:
  std::unique_ptr<v1::RuntimeService::Stub> stub_;
};

}  // namespace

std::unique_ptr<ImagedClient> NewGrpcImagedClient(std::shared_ptr<grpc::Channel> channel) {
  return std::make_unique<GrpcImagedClient>(std::move(channel));
}
std::unique_ptr<NetdClient> NewGrpcNetdClient(std::shared_ptr<grpc::Channel> channel) {
  return std::make_unique<GrpcNetdClient>(std::move(channel));
}
std::unique_ptr<RuntimedClient> NewGrpcRuntimedClient(std::shared_ptr<grpc::Channel> channel) {
  return std::make_unique<GrpcRuntimedClient>(std::move(channel));
}

}  // namespace berth::apid
