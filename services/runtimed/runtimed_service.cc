#include "services/runtimed/runtimed_service.h"

#include "spdlog/spdlog.h"

#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"

#include "common/events/event_service.h"
#include "common/grpc/grpc_status.h"
#include "services/runtimed/container_stats.h"
#include "common/time/proto_time.h"

namespace berth::runtimed {
namespace {

// A log batch is sent once it holds this much: large enough that a big log
// costs few writes, far below gRPC's 4 MiB message limit (a line is at most
// one 32 KiB read of the shim).
constexpr size_t kLogBatchBytes = 256 * 1024;
constexpr size_t kLogEntryOverhead = 24;  // stream, timestamp and framing

v1::LogEntry ToLogEntry(const logs::LogLine& line) {
  v1::LogEntry entry;
  entry.set_stream(line.stream == "stderr" ? v1::STD_STREAM_STDERR : v1::STD_STREAM_STDOUT);
  entry.set_data(line.data);
  *entry.mutable_time() = google::protobuf::util::TimeUtil::NanosecondsToTimestamp(line.time_unix_nano);
  return entry;
}

// Forwards the client's attach input until it half-closes (stdin close) or
// the call is cancelled (detach).
void PumpAttachInput(grpc::ServerContext* context,
                     grpc::ServerReaderWriter<v1::AttachOutput, v1::AttachInput>* stream,
                     AttachSession& session) {
  v1::AttachInput input;
  while (stream->Read(&input)) {
    if (input.has_resize()) {
      (void)session.Resize(input.resize().height(), input.resize().width());
    } else if (input.msg_case() == v1::AttachInput::kStdin) {
      (void)session.WriteStdin(input.stdin());
    } else if (input.msg_case() == v1::AttachInput::kCloseStdin && input.close_stdin()) {
      (void)session.CloseStdin();
    }
  }
  if (context->IsCancelled()) {
    session.Detach();
  } else {
    (void)session.CloseStdin();  // WritesDone is a half-close
  }
}

}  // namespace

grpc::Status RuntimedService::CreateContainer(grpc::ServerContext*,
                                              const v1::CreateContainerRequest* request,
                                              v1::Container* response) {
  CreateRequest create{request->id(), request->name(), request->config(), request->image_id(),
                       {request->rootfs().begin(), request->rootfs().end()}};
  auto record = manager_.CreateContainer(create);
  if (!record.ok()) return ToGrpcStatus(record.status());
  *response = *std::move(record);
  return grpc::Status::OK;
}

grpc::Status RuntimedService::StartContainer(grpc::ServerContext*,
                                             const v1::StartContainerRequest* request,
                                             v1::StartContainerResponse* response) {
  auto result = manager_.StartContainer(
      StartRequest{request->container(), request->network(), request->resolv_conf(),
                   request->hosts()});
  if (!result.ok()) return ToGrpcStatus(result.status());
  response->set_already_running(result->already_running);
  *response->mutable_container() = std::move(result->container);
  return grpc::Status::OK;
}

grpc::Status RuntimedService::WaitContainer(grpc::ServerContext* context,
                                            const v1::WaitContainerRequest* request,
                                            grpc::ServerWriter<v1::WaitEvent>* writer) {
  auto result = manager_.WaitContainer(
      request->container(), request->condition(),
      [writer] {
        v1::WaitEvent event;
        event.set_registered(true);
        writer->Write(event);
      },
      [context] { return context->IsCancelled(); });
  if (!result.ok()) return ToGrpcStatus(result.status());
  v1::WaitEvent event;
  event.mutable_exit()->set_exit_code(result->exit_code);
  event.mutable_exit()->set_error(result->error);
  writer->Write(event);
  return grpc::Status::OK;
}

grpc::Status RuntimedService::StopContainer(grpc::ServerContext*,
                                            const v1::StopContainerRequest* request,
                                            v1::StopContainerResponse* response) {
  auto stopped = manager_.StopContainer(request->container(), request->timeout_seconds(),
                                        request->signal());
  if (!stopped.ok()) return ToGrpcStatus(stopped.status());
  response->set_already_stopped(*stopped);
  return grpc::Status::OK;
}

grpc::Status RuntimedService::KillContainer(grpc::ServerContext*,
                                            const v1::KillContainerRequest* request,
                                            v1::KillContainerResponse*) {
  return ToGrpcStatus(manager_.KillContainer(request->container(), request->signal()));
}

grpc::Status RuntimedService::RemoveContainer(grpc::ServerContext*,
                                              const v1::RemoveContainerRequest* request,
                                              v1::Container* response) {
  auto record = manager_.RemoveContainer(request->container(), request->force(),
                                         request->remove_volumes());
  if (!record.ok()) return ToGrpcStatus(record.status());
  *response = *std::move(record);
  return grpc::Status::OK;
}

grpc::Status RuntimedService::ListContainers(grpc::ServerContext*,
                                             const v1::ListContainersRequest* request,
                                             v1::ListContainersResponse* response) {
  for (auto& record : manager_.ListContainers(request->all())) {
    *response->add_containers() = std::move(record);
  }
  return grpc::Status::OK;
}

grpc::Status RuntimedService::InspectContainer(grpc::ServerContext*,
                                               const v1::InspectContainerRequest* request,
                                               v1::Container* response) {
  auto record = manager_.InspectContainer(request->container());
  if (!record.ok()) return ToGrpcStatus(record.status());
  *response = *std::move(record);
  return grpc::Status::OK;
}

grpc::Status RuntimedService::CreateVolume(grpc::ServerContext*,
                                           const v1::CreateVolumeRequest* request,
                                           v1::Volume* response) {
  volumes::CreateVolumeOptions options;
  options.name = request->name();
  options.driver = request->driver();
  options.driver_opts = {request->driver_opts().begin(), request->driver_opts().end()};
  options.labels = {request->labels().begin(), request->labels().end()};
  auto volume = manager_.CreateVolume(options);
  if (!volume.ok()) return ToGrpcStatus(volume.status());
  *response = *std::move(volume);
  return grpc::Status::OK;
}

grpc::Status RuntimedService::InspectVolume(grpc::ServerContext*,
                                            const v1::InspectVolumeRequest* request,
                                            v1::Volume* response) {
  auto volume = manager_.InspectVolume(request->name());
  if (!volume.ok()) return ToGrpcStatus(volume.status());
  *response = *std::move(volume);
  return grpc::Status::OK;
}

grpc::Status RuntimedService::ListVolumes(grpc::ServerContext*,
                                          const v1::ListVolumesRequest* request,
                                          v1::ListVolumesResponse* response) {
  auto volumes = manager_.ListVolumes(request->filters(), request->with_size());
  if (!volumes.ok()) return ToGrpcStatus(volumes.status());
  for (auto& v : *volumes) *response->add_volumes() = std::move(v);
  return grpc::Status::OK;
}

grpc::Status RuntimedService::RemoveVolume(grpc::ServerContext*,
                                           const v1::RemoveVolumeRequest* request,
                                           v1::RemoveVolumeResponse*) {
  return ToGrpcStatus(manager_.RemoveVolume(request->name(), request->force()));
}

grpc::Status RuntimedService::PruneVolumes(grpc::ServerContext*,
                                           const v1::PruneVolumesRequest* request,
                                           v1::PruneVolumesResponse* response) {
  auto pruned = manager_.PruneVolumes(request->filters());
  if (!pruned.ok()) return ToGrpcStatus(pruned.status());
  *response = *std::move(pruned);
  return grpc::Status::OK;
}

grpc::Status RuntimedService::ContainerStats(grpc::ServerContext*,
                                             const v1::ContainerStatsRequest* request,
                                             v1::ContainerStats* response) {
  auto record = manager_.InspectContainer(request->container());
  if (!record.ok()) return ToGrpcStatus(record.status());
  auto stats = ReadContainerStats(*record);
  if (!stats.ok()) return ToGrpcStatus(stats.status());
  *response = *std::move(stats);
  return grpc::Status::OK;
}

grpc::Status RuntimedService::UpdateContainer(grpc::ServerContext*,
                                              const v1::UpdateContainerRequest* request,
                                              v1::UpdateContainerResponse* response) {
  auto warnings = manager_.UpdateContainer(
      request->container(), request->resources(),
      request->has_restart_policy() ? &request->restart_policy() : nullptr);
  if (!warnings.ok()) return ToGrpcStatus(warnings.status());
  for (auto& w : *warnings) response->add_warnings(std::move(w));
  return grpc::Status::OK;
}

grpc::Status RuntimedService::SetContainerNetworks(grpc::ServerContext*,
                                                   const v1::SetContainerNetworksRequest* request,
                                                   v1::Container* response) {
  auto record = manager_.SetContainerNetworks(
      request->container(), {request->networks().begin(), request->networks().end()});
  if (!record.ok()) return ToGrpcStatus(record.status());
  *response = *std::move(record);
  return grpc::Status::OK;
}

grpc::Status RuntimedService::ContainerLogs(grpc::ServerContext* context,
                                            const v1::ContainerLogsRequest* request,
                                            grpc::ServerWriter<v1::LogBatch>* writer) {
  LogsRequest logs{request->container(), request->follow(), request->stdout(),
                   request->stderr(), request->tail(), request->since_unix_nano()};
  if (!logs.stdout && !logs.stderr) logs.stdout = logs.stderr = true;
  v1::LogBatch batch;
  size_t batch_bytes = 0;
  auto flush = [&] {
    if (batch.entries_size() == 0) return true;
    bool written = writer->Write(batch);
    batch.Clear();
    batch_bytes = 0;
    return written;
  };
  absl::Status status = manager_.ContainerLogs(
      logs,
      [&](const logs::LogLine& line) {
        *batch.add_entries() = ToLogEntry(line);
        batch_bytes += line.data.size() + kLogEntryOverhead;
        return batch_bytes < kLogBatchBytes || flush();
      },
      [context] { return context->IsCancelled(); }, flush);
  if (status.ok()) flush();
  return ToGrpcStatus(status);
}

void PumpSession(grpc::ServerContext* context,
                 grpc::ServerReaderWriter<v1::AttachOutput, v1::AttachInput>* stream,
                 const std::shared_ptr<AttachSession>& session,
                 const std::function<void()>& before_ended) {
  absl::Notification input_done;
  std::thread input([context, stream, s = session, &input_done] {
    PumpAttachInput(context, stream, *s);
    input_done.Notify();
  });
  while (auto chunk = session->Read()) {
    v1::AttachOutput out;
    out.mutable_output()->set_stream(chunk->is_stderr ? v1::STD_STREAM_STDERR
                                                      : v1::STD_STREAM_STDOUT);
    out.mutable_output()->set_data(std::move(chunk->data));
    *out.mutable_output()->mutable_time() = ToTimestamp(absl::Now());
    if (!stream->Write(out)) break;
  }
  // The output has ended: say so, so the client half-closes and the input
  // pump (blocked in Read) returns. A client that does not within the grace
  // period is cancelled (the sync API has no other way to free the pump); it
  // then sees CANCELLED after all of the output.
  session->Detach();
  if (before_ended) before_ended();
  v1::AttachOutput ended;
  ended.set_ended(true);
  stream->Write(ended);
  if (!input_done.WaitForNotificationWithTimeout(absl::Seconds(2))) context->TryCancel();
  input.join();
}

grpc::Status RuntimedService::AttachContainer(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<v1::AttachOutput, v1::AttachInput>* stream) {
  v1::AttachInput first;
  if (!stream->Read(&first) || !first.has_open()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "the first attach message must be `open`");
  }
  const auto& open = first.open();
  auto session = manager_.Attach(open.container(),
                                 AttachOptions{open.stdin(), open.stdout(), open.stderr()});
  if (!session.ok()) return ToGrpcStatus(session.status());
  v1::AttachOutput attached;
  attached.set_attached(true);
  stream->Write(attached);
  if (open.logs()) {
    LogsRequest replay{(*session)->container_id(), false, open.stdout(), open.stderr(), -1, 0};
    absl::Status replayed = manager_.ContainerLogs(
        replay,
        [stream](const logs::LogLine& line) {
          v1::AttachOutput out;
          *out.mutable_output() = ToLogEntry(line);
          return stream->Write(out);
        },
        [context] { return context->IsCancelled(); });
    // The live attach still works without the history; say why it is missing.
    if (!replayed.ok()) {
      spdlog::warn("container={} attach: log replay failed: {}",
                   (*session)->container_id().substr(0, 12), replayed.ToString());
    }
  }
  PumpSession(context, stream, *session);
  return grpc::Status::OK;
}

grpc::Status RuntimedService::ResizeContainer(grpc::ServerContext*,
                                              const v1::ResizeContainerRequest* request,
                                              v1::ResizeContainerResponse*) {
  return ToGrpcStatus(
      manager_.ResizeContainer(request->container(), request->height(), request->width()));
}

grpc::Status RuntimedService::Events(grpc::ServerContext* context, const v1::EventsRequest* request,
                              grpc::ServerWriter<v1::Event>* writer) {
  return events::ServeEvents(manager_.events(), context, *request, writer);
}

}  // namespace berth::runtimed
