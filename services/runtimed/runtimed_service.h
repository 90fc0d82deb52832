// gRPC adapter of runtimed: berth.v1.RuntimeService → ContainerManager.
// Conversions only; every decision lives in the manager.
#pragma once

#include <functional>
#include <memory>

#include "berth/v1/runtimed.grpc.pb.h"
#include "services/runtimed/container_manager.h"
#include "services/runtimed/exec_manager.h"

namespace berth::runtimed {

class RuntimedService final : public v1::RuntimeService::Service {
 public:
  // `execs` may be null: the exec rpcs then answer UNIMPLEMENTED.
  explicit RuntimedService(ContainerManager& manager, ExecManager* execs = nullptr)
      : manager_(manager), execs_(execs) {}

  grpc::Status CreateContainer(grpc::ServerContext* context, const v1::CreateContainerRequest* request,
                               v1::Container* response) override;
  grpc::Status StartContainer(grpc::ServerContext* context, const v1::StartContainerRequest* request,
                              v1::StartContainerResponse* response) override;
  grpc::Status WaitContainer(grpc::ServerContext* context, const v1::WaitContainerRequest* request,
                             grpc::ServerWriter<v1::WaitEvent>* writer) override;
  grpc::Status StopContainer(grpc::ServerContext* context, const v1::StopContainerRequest* request,
                             v1::StopContainerResponse* response) override;
  grpc::Status KillContainer(grpc::ServerContext* context, const v1::KillContainerRequest* request,
                             v1::KillContainerResponse* response) override;
  grpc::Status RemoveContainer(grpc::ServerContext* context, const v1::RemoveContainerRequest* request,
                               v1::Container* response) override;
  grpc::Status ListContainers(grpc::ServerContext* context, const v1::ListContainersRequest* request,
                              v1::ListContainersResponse* response) override;
  grpc::Status ContainerStats(grpc::ServerContext* context,
                              const v1::ContainerStatsRequest* request,
                              v1::ContainerStats* response) override;
  grpc::Status UpdateContainer(grpc::ServerContext* context,
                               const v1::UpdateContainerRequest* request,
                               v1::UpdateContainerResponse* response) override;
  // docker cp on running containers (runtimed_files_service.cc).
  grpc::Status StatContainerPath(grpc::ServerContext* context,
                                 const v1::ContainerPathRequest* request,
                                 v1::ContainerPathStat* response) override;
  grpc::Status ArchiveContainerPath(grpc::ServerContext* context,
                                    const v1::ContainerPathRequest* request,
                                    grpc::ServerWriter<v1::ContainerArchiveChunk>* writer) override;
  grpc::Status ExtractToContainer(grpc::ServerContext* context,
                                  grpc::ServerReader<v1::ExtractToContainerRequest>* reader,
                                  v1::ExtractToContainerResponse* response) override;
  grpc::Status SetContainerNetworks(grpc::ServerContext* context,
                                    const v1::SetContainerNetworksRequest* request,
                                    v1::Container* response) override;
  grpc::Status InspectContainer(grpc::ServerContext* context,
                                const v1::InspectContainerRequest* request,
                                v1::Container* response) override;
  grpc::Status CreateVolume(grpc::ServerContext* context, const v1::CreateVolumeRequest* request,
                            v1::Volume* response) override;
  grpc::Status InspectVolume(grpc::ServerContext* context,
                             const v1::InspectVolumeRequest* request,
                             v1::Volume* response) override;
  grpc::Status ListVolumes(grpc::ServerContext* context, const v1::ListVolumesRequest* request,
                           v1::ListVolumesResponse* response) override;
  grpc::Status RemoveVolume(grpc::ServerContext* context, const v1::RemoveVolumeRequest* request,
                            v1::RemoveVolumeResponse* response) override;
  grpc::Status PruneVolumes(grpc::ServerContext* context, const v1::PruneVolumesRequest* request,
                            v1::PruneVolumesResponse* response) override;
  grpc::Status ContainerLogs(grpc::ServerContext* context, const v1::ContainerLogsRequest* request,
                             grpc::ServerWriter<v1::LogBatch>* writer) override;
  grpc::Status AttachContainer(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<v1::AttachOutput, v1::AttachInput>* stream) override;
  grpc::Status ResizeContainer(grpc::ServerContext* context,
                               const v1::ResizeContainerRequest* request,
                               v1::ResizeContainerResponse* response) override;
  grpc::Status Events(grpc::ServerContext* context, const v1::EventsRequest* request,
                      grpc::ServerWriter<v1::Event>* writer) override;

  // Exec (runtimed_exec_service.cc).
  grpc::Status CreateExec(grpc::ServerContext* context, const v1::CreateExecRequest* request,
                          v1::ExecInspect* response) override;
  grpc::Status StartExec(grpc::ServerContext* context, const v1::StartExecRequest* request,
                         v1::StartExecResponse* response) override;
  grpc::Status AttachExec(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<v1::AttachOutput, v1::AttachInput>* stream) override;
  grpc::Status ResizeExec(grpc::ServerContext* context, const v1::ResizeExecRequest* request,
                          v1::ResizeExecResponse* response) override;
  grpc::Status InspectExec(grpc::ServerContext* context, const v1::InspectExecRequest* request,
                           v1::ExecInspect* response) override;

  // Pause, unpause, top, rename (runtimed_ops_service.cc).
  grpc::Status PauseContainer(grpc::ServerContext* context,
                              const v1::PauseContainerRequest* request,
                              v1::PauseContainerResponse* response) override;
  grpc::Status UnpauseContainer(grpc::ServerContext* context,
                                const v1::UnpauseContainerRequest* request,
                                v1::UnpauseContainerResponse* response) override;
  grpc::Status TopContainer(grpc::ServerContext* context, const v1::TopContainerRequest* request,
                            v1::TopContainerResponse* response) override;
  grpc::Status RenameContainer(grpc::ServerContext* context,
                               const v1::RenameContainerRequest* request,
                               v1::RenameContainerResponse* response) override;
  grpc::Status RuntimeInfo(grpc::ServerContext* context, const v1::RuntimeInfoRequest* request,
                           v1::RuntimeInfoResponse* response) override;
  grpc::Status RecordContainerEvent(grpc::ServerContext* context,
                                    const v1::RecordContainerEventRequest* request,
                                    v1::RecordContainerEventResponse* response) override;

 private:
  ContainerManager& manager_;
  ExecManager* execs_;
};

// Streams an attach session on an AttachContainer-shaped call: client input
// to the session, output to the client, then `ended` and the wait for the
// client's half-close (cancelled after 2 s). Shared by attach and exec;
// `before_ended` (may be empty) runs between the end of output and `ended`.
void PumpSession(grpc::ServerContext* context,
                 grpc::ServerReaderWriter<v1::AttachOutput, v1::AttachInput>* stream,
                 const std::shared_ptr<AttachSession>& session,
                 const std::function<void()>& before_ended = {});

}  // namespace berth::runtimed
