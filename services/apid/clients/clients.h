#pragma once

// Interfaces to the three backing services. apid's use cases (usecases/)
// depend on these, never on the generated stubs, so they are unit-tested
// against fakes.
//
// Contract shared by every method: unary calls carry a deadline (30 s; a
// start's derives from the shim's readiness timeout, common/grpc/deadlines.h)
// and return the backend's status unchanged (NOT_FOUND "No such container: x",
// ALREADY_EXISTS name conflicts, ...); UNAVAILABLE means the service is down.
// The channels reconnect by themselves, so a restarted service is used again
// without restarting apid. `parent`, where present, is the public gRPC call
// being forwarded: the backend stream is cancelled with it (may be null).

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "berth/v1/exec.pb.h"
#include "berth/v1/imaged.pb.h"
#include "berth/v1/netd.pb.h"
#include "berth/v1/runtimed.pb.h"
#include "berth/v1/types.pb.h"
#include "services/apid/clients/streams.h"

namespace grpc {
class ServerContextBase;
}

namespace berth::apid {

using ImportStream = WriteStream<v1::ImportImageRequest, v1::ImportImageResponse>;
using CreateImageStream = WriteStream<v1::CreateImageRequest, v1::CreateImageResponse>;
using ProgressStream = ReadStream<v1::ProgressMessage>;
using LoadStream = WriteStream<v1::LoadImagesRequest, v1::LoadImagesResponse>;
using WaitStream = ReadStream<v1::WaitEvent>;
using LogStream = ReadStream<v1::LogBatch>;
using EventStream = ReadStream<v1::Event>;
using AttachStream = BidiStream<v1::AttachInput, v1::AttachOutput>;

class ImagedClient {
 public:
  virtual ~ImagedClient() = default;

  // Resolves a reference; NOT_FOUND "No such image: <ref>".
  virtual absl::StatusOr<v1::Image> InspectImage(const std::string& reference) = 0;
  virtual absl::StatusOr<std::vector<v1::Image>> ListImages(bool all) = 0;
  // FAILED_PRECONDITION when a container uses the image and !force.
  virtual absl::StatusOr<v1::RemoveImageResponse> RemoveImage(const std::string& reference,
                                                              bool force) = 0;
  // Prepares the writable snapshot `key` (the container id) on `image_id`.
  virtual absl::StatusOr<std::vector<v1::Mount>> PrepareSnapshot(const std::string& key,
                                                                 const std::string& image_id) = 0;
  // Idempotent: an unknown key is OK.
  virtual absl::Status RemoveSnapshot(const std::string& key) = 0;
  virtual absl::StatusOr<std::vector<std::string>> ListSnapshots() = 0;
  // Opens an import: write `options` first, then chunks.
  virtual std::unique_ptr<ImportStream> ImportImage(const grpc::ServerContextBase* parent) = 0;
  virtual std::unique_ptr<ProgressStream> PullImage(const v1::PullImageRequest& request,
                                                    const grpc::ServerContextBase* parent) = 0;
  // Registry and tag operations.
  virtual absl::Status TagImage(const std::string& source, const std::string& target) = 0;
  virtual std::unique_ptr<ProgressStream> PushImage(const v1::PushImageRequest& request,
                                                    const grpc::ServerContextBase* parent) = 0;
  // UNAUTHENTICATED when the registry refuses the credentials.
  virtual absl::StatusOr<v1::LoginResponse> Login(const v1::LoginRequest& request) = 0;
  // Image events (import, pull, push, tag, untag, delete); see EventsRequest.
  virtual std::unique_ptr<EventStream> Events(const v1::EventsRequest& request) = 0;

  // The builder's calls. CreateImage: write `options` first, then the chunks
  // of a layer tar (none for a config-only image).
  virtual std::unique_ptr<CreateImageStream> CreateImage(const grpc::ServerContextBase* parent) = 0;
  // Commits snapshot `request.key` as a layer on the image it was prepared from.
  virtual absl::StatusOr<v1::Image> CommitSnapshot(const v1::CommitSnapshotRequest& request) = 0;
  // A tar of paths as the image shows them (COPY --from).
  virtual std::unique_ptr<ReadStream<v1::ExportImagePathsChunk>> ExportImagePaths(
      const v1::ExportImagePathsRequest& request, const grpc::ServerContextBase* parent) = 0;

  // save/load, history, prune, search. Not pure, so test fakes need not
  // implement them: the defaults answer UNIMPLEMENTED (streams: nullptr).
  virtual std::unique_ptr<ReadStream<v1::SaveImagesChunk>> SaveImages(
      const v1::SaveImagesRequest& /*request*/, const grpc::ServerContextBase* /*parent*/) {
    return nullptr;
  }
  virtual std::unique_ptr<LoadStream> LoadImages(const grpc::ServerContextBase* /*parent*/) {
    return nullptr;
  }
  virtual absl::StatusOr<v1::ImageHistoryResponse> ImageHistory(const std::string& /*reference*/) {
    return absl::UnimplementedError("image history is not implemented by this client");
  }
  virtual absl::StatusOr<v1::PruneImagesResponse> PruneImages(
      const v1::PruneImagesRequest& /*request*/) {
    return absl::UnimplementedError("image prune is not implemented by this client");
  }
  // docker system df: layer bytes in all and shared per image.
  virtual absl::StatusOr<v1::LayerUsageResponse> LayerUsage() {
    return absl::UnimplementedError("layer usage is not implemented by this client");
  }
  virtual absl::StatusOr<v1::SearchImagesResponse> SearchImages(
      const v1::SearchImagesRequest& /*request*/) {
    return absl::UnimplementedError("image search is not implemented by this client");
  }
  // A container's files on its snapshot (docker cp of a stopped container,
  // export, diff); `container` is the container id (the snapshot key).
  using ArchiveStream = ReadStream<v1::ContainerArchiveChunk>;
  using ExtractStream = WriteStream<v1::ExtractToContainerRequest, v1::ExtractToContainerResponse>;
  virtual absl::StatusOr<v1::ContainerPathStat> StatSnapshotPath(
      const v1::ContainerPathRequest& request) = 0;
  virtual std::unique_ptr<ArchiveStream> ArchiveSnapshotPath(
      const v1::ContainerPathRequest& request, const grpc::ServerContextBase* parent) = 0;
  // Write the header message (container, path, options) first, then data.
  virtual std::unique_ptr<ExtractStream> ExtractToSnapshot(const grpc::ServerContextBase* parent) = 0;
  virtual std::unique_ptr<ArchiveStream> ExportSnapshot(const v1::ContainerExportRequest& request,
                                                        const grpc::ServerContextBase* parent) = 0;
  virtual absl::StatusOr<v1::ContainerChangesResponse> SnapshotChanges(
      const v1::ContainerChangesRequest& request) = 0;
};

class NetdClient {
 public:
  virtual ~NetdClient() = default;

  // Attaches (idempotent for an attached container: then created=false).
  virtual absl::StatusOr<v1::AttachResponse> Attach(const v1::AttachRequest& request) = 0;
  // Idempotent: an unknown container is OK.
  virtual absl::Status Detach(const std::string& container_id) = 0;
  virtual absl::StatusOr<std::vector<std::string>> ListEndpoints() = 0;
  // The container's endpoint now (NOT_FOUND when it has none).
  virtual absl::StatusOr<v1::NetworkSummary> GetEndpoint(const std::string& container_id) = 0;

  // Networks (see netd.proto for the error codes).
  virtual absl::StatusOr<std::vector<v1::Network>> ListNetworks() = 0;
  virtual absl::StatusOr<v1::Network> InspectNetwork(const std::string& network) = 0;
  virtual absl::StatusOr<v1::Network> CreateNetwork(const v1::CreateNetworkRequest& request) = 0;
  virtual absl::Status RemoveNetwork(const std::string& network) = 0;
  virtual absl::StatusOr<v1::NetworkSummary> ConnectNetwork(
      const v1::ConnectNetworkRequest& request) = 0;
  virtual absl::StatusOr<v1::NetworkSummary> DisconnectNetwork(const std::string& container_id,
                                                               const std::string& network) = 0;
  // Network events (create, destroy, connect, disconnect); see EventsRequest.
  virtual std::unique_ptr<EventStream> Events(const v1::EventsRequest& request) = 0;
  // docker rename: the endpoint's container name (DNS, network inspect).
  // NOT_FOUND when the container has no endpoint.
  virtual absl::Status RenameEndpoint(const std::string& container_id,
                                      const std::string& name) = 0;
};

class RuntimedClient {
 public:
  virtual ~RuntimedClient() = default;

  virtual absl::StatusOr<v1::Container> CreateContainer(
      const v1::CreateContainerRequest& request) = 0;
  // The start error keeps the executor's words (exit code 127 in the CLI);
  // ABORTED when another start of the container is in progress.
  virtual absl::StatusOr<v1::StartContainerResponse> StartContainer(
      const v1::StartContainerRequest& request) = 0;
  virtual absl::StatusOr<v1::StopContainerResponse> StopContainer(
      const v1::StopContainerRequest& request) = 0;
  virtual absl::Status KillContainer(const v1::KillContainerRequest& request) = 0;
  // Returns the removed record. remove_volumes: rm -v (its anonymous volumes).
  virtual absl::StatusOr<v1::Container> RemoveContainer(const std::string& container, bool force,
                                                        bool remove_volumes) = 0;
  virtual absl::StatusOr<std::vector<v1::Container>> ListContainers(bool all) = 0;
  virtual absl::StatusOr<v1::Container> InspectContainer(const std::string& container) = 0;
  virtual absl::Status ResizeContainer(const v1::ResizeContainerRequest& request) = 0;

  virtual std::unique_ptr<WaitStream> WaitContainer(const v1::WaitContainerRequest& request,
                                                    const grpc::ServerContextBase* parent) = 0;
  virtual std::unique_ptr<LogStream> ContainerLogs(const v1::ContainerLogsRequest& request,
                                                   const grpc::ServerContextBase* parent) = 0;
  // Write the `open` message first.
  virtual std::unique_ptr<AttachStream> AttachContainer(const grpc::ServerContextBase* parent) = 0;
  virtual std::unique_ptr<EventStream> Events(const v1::EventsRequest& request) = 0;
  // One read of the container's resource usage.
  virtual absl::StatusOr<v1::ContainerStats> ContainerStats(const std::string& container) = 0;
  // docker update; returns dockerd's warnings.
  virtual absl::StatusOr<v1::UpdateContainerResponse> UpdateContainer(
      const v1::UpdateContainerRequest& request) = 0;
  // Replaces the networks of a container that is not running.
  virtual absl::StatusOr<v1::Container> SetContainerNetworks(
      const v1::SetContainerNetworksRequest& request) = 0;

  // docker exec. FAILED_PRECONDITION "container <id> is not running";
  // NOT_FOUND "No such exec instance: <id>" for an unknown exec id.
  virtual absl::StatusOr<v1::ExecInspect> CreateExec(const v1::CreateExecRequest& request) = 0;
  virtual absl::StatusOr<v1::StartExecResponse> StartExec(
      const v1::StartExecRequest& request) = 0;
  // The attached start: write `open` (container = the exec id) first.
  virtual std::unique_ptr<AttachStream> AttachExec(const grpc::ServerContextBase* parent) = 0;
  virtual absl::Status ResizeExec(const v1::ResizeExecRequest& request) = 0;
  virtual absl::StatusOr<v1::ExecInspect> InspectExec(const std::string& exec_id) = 0;
  // Local volumes (runtimed.proto says the rules).
  virtual absl::StatusOr<v1::Volume> CreateVolume(const v1::CreateVolumeRequest& request) = 0;
  virtual absl::StatusOr<v1::Volume> InspectVolume(const std::string& name) = 0;
  // with_size: each Volume.size filled (runtimed walks every volume's data).
  virtual absl::StatusOr<std::vector<v1::Volume>> ListVolumes(const v1::VolumeFilters& filters,
                                                              bool with_size) = 0;
  virtual absl::Status RemoveVolume(const std::string& name, bool force) = 0;
  virtual absl::StatusOr<v1::PruneVolumesResponse> PruneVolumes(
      const v1::VolumeFilters& filters) = 0;

  // docker cp on a running container (FAILED_PRECONDITION when it is not).
  virtual absl::StatusOr<v1::ContainerPathStat> StatContainerPath(
      const v1::ContainerPathRequest& request) = 0;
  virtual std::unique_ptr<ReadStream<v1::ContainerArchiveChunk>> ArchiveContainerPath(
      const v1::ContainerPathRequest& request, const grpc::ServerContextBase* parent) = 0;
  // Write the header message (container, path, options) first, then data.
  virtual std::unique_ptr<WriteStream<v1::ExtractToContainerRequest, v1::ExtractToContainerResponse>>
  ExtractToContainer(const grpc::ServerContextBase* parent) = 0;
  // docker pause / unpause / top / rename (runtimed.proto says the rules).
  virtual absl::Status PauseContainer(const std::string& container) = 0;
  virtual absl::Status UnpauseContainer(const std::string& container) = 0;
  virtual absl::StatusOr<v1::TopContainerResponse> TopContainer(
      const v1::TopContainerRequest& request) = 0;
  virtual absl::StatusOr<v1::RenameContainerResponse> RenameContainer(
      const v1::RenameContainerRequest& request) = 0;
  // The runtimes and --init binary runtimed offers (for /info). Fakes that
  // do not override it answer Unimplemented.
  virtual absl::StatusOr<v1::RuntimeInfoResponse> RuntimeInfo() {
    return absl::UnimplementedError("RuntimeInfo");
  }
  // docker cp's events (archive-path, extract-to-dir) into the container's
  // event log. Fakes that do not override it answer Unimplemented.
  virtual absl::Status RecordContainerEvent(const v1::RecordContainerEventRequest&) {
    return absl::UnimplementedError("RecordContainerEvent");
  }
};

}  // namespace berth::apid
