#include "services/apid/grpc/berth_service.h"
#include "services/apid/grpc/image_streams.h"
#include "services/apid/grpc/list_filters.h"

#include <condition_variable>
#include <mutex>
#include <thread>

#include "common/grpc/grpc_status.h"

namespace berth::apid {
namespace {

// Copies a backend message into the response, or returns the error.
template <typename T, typename Resp>
grpc::Status Reply(absl::StatusOr<T> result, Resp* resp) {
  if (!result.ok()) return ToGrpcStatus(result.status());
  *resp = std::move(*result);
  return grpc::Status::OK;
}

grpc::Status NoExecs() {
  return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "exec is not served here");
}

// Forwards a backend stream to the client until either side ends.
template <typename T>
grpc::Status Forward(ReadStream<T>& stream, grpc::ServerWriter<T>* writer) {
  T message;
  while (stream.Read(&message)) {
    if (!writer->Write(message)) {
      stream.Cancel();
      break;
    }
  }
  return ToGrpcStatus(stream.Finish());
}

// Bridges the client's attach call to runtimed's: input messages are
// forwarded as they arrive; a thread pumps runtimed's output to the client,
// one write in flight at a time, and finishes the call when output ends.
class AttachReactor : public grpc::ServerBidiReactor<v1::AttachInput, v1::AttachOutput> {
 public:
  explicit AttachReactor(std::unique_ptr<AttachStream> stream) : stream_(std::move(stream)) {
    StartRead(&in_);
    pump_ = std::thread([this] { PumpOutput(); });
  }

  void OnReadDone(bool ok) override {
    // !ok: the client half-closed or the call is over. A half-close is not a
    // detach, so runtimed's call stays open for output.
    if (!ok) return;
    {
      // Never write to runtimed's call once the pump has finished it.
      std::lock_guard<std::mutex> lock(input_mu_);
      if (backend_done_ || !stream_->Write(in_)) return;
    }
    StartRead(&in_);
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard<std::mutex> lock(mu_);
    write_pending_ = false;
    write_ok_ = ok;
    cv_.notify_all();
  }

  void OnCancel() override { stream_->Cancel(); }

  void OnDone() override {
    if (pump_.get_id() == std::this_thread::get_id()) {
      pump_.detach();
    } else {
      pump_.join();
    }
    delete this;
  }

 private:
  void PumpOutput() {
    while (stream_->Read(&out_)) {
      if (out_.ended()) {
        // Output is over: half-close runtimed's call so it ends with OK now;
        // the client's later input has nowhere to go.
        std::lock_guard<std::mutex> lock(input_mu_);
        if (!backend_done_) stream_->WritesDone();
        backend_done_ = true;
      }
      std::unique_lock<std::mutex> lock(mu_);
      write_pending_ = true;
      StartWrite(&out_);
      cv_.wait(lock, [this] { return !write_pending_; });
      if (!write_ok_) {
        stream_->Cancel();
        break;
      }
    }
    {
      std::lock_guard<std::mutex> lock(input_mu_);
      backend_done_ = true;
    }
    Finish(ToGrpcStatus(stream_->Finish()));
  }

  std::unique_ptr<AttachStream> stream_;
  v1::AttachInput in_;
  v1::AttachOutput out_;
  std::mutex input_mu_;
  bool backend_done_ = false;  // guarded by input_mu_
  std::mutex mu_;  // guards the write handshake below
  std::condition_variable cv_;
  bool write_pending_ = false;
  bool write_ok_ = true;
  std::thread pump_;
};

}  // namespace

BerthService::BerthService(ContainerService& containers, SystemService& system,
                           ImagedClient& imaged, EventService& events,
                           NetworkService& networks, ExecService* execs,
                           VolumeService* volumes, BuildService* builds)
    : containers_(containers),
      execs_(execs),
      volumes_(volumes),
      system_(system),
      imaged_(imaged),
      events_(events),
      builds_(builds),
      networks_(networks) {}

grpc::Status BerthService::BuildImage(
    grpc::ServerContext* ctx,
    grpc::ServerReaderWriter<v1::BuildImageEvent, v1::BuildImageRequest>* stream) {
  if (builds_ == nullptr) {
    return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "build is not implemented");
  }
  v1::BuildImageRequest message;
  if (!stream->Read(&message) || !message.has_options()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "build: the first message must carry options");
  }
  const v1::BuildImageRequest::Options& o = message.options();
  BuildOptions options;
  options.dockerfile = o.dockerfile().empty() ? "Dockerfile" : o.dockerfile();
  options.tags.assign(o.tags().begin(), o.tags().end());
  options.build_args.insert(o.build_args().begin(), o.build_args().end());
  options.labels.insert(o.labels().begin(), o.labels().end());
  options.target = o.target();
  options.no_cache = o.no_cache();
  options.quiet = o.quiet();
  options.pull = o.pull();
  options.network_mode = o.network_mode();
  options.remove = !o.keep_containers();
  std::string context;
  while (stream->Read(&message)) {
    if (!message.has_chunk()) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "build: only context chunks may follow the options");
    }
    context += message.chunk();
    if (context.size() > static_cast<size_t>(builder::kMaxContextBytes)) {
      return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "build context is too large");
    }
  }
  absl::StatusOr<PreparedBuild> build = builds_->Prepare(context, options);
  if (!build.ok()) return ToGrpcStatus(build.status());
  context.clear();
  std::atomic<bool> cancelled{false};
  auto sink = [&](const BuildEvent& event) {
    v1::BuildImageEvent out;
    switch (event.kind) {
      case BuildEvent::Kind::kStream:
        out.set_stream(event.text);
        break;
      case BuildEvent::Kind::kAux:
        out.set_image_id(event.text);
        break;
      case BuildEvent::Kind::kError:
        out.mutable_error()->set_message(event.text);
        out.mutable_error()->set_exit_code(event.exit_code);
        break;
    }
    if (ctx->IsCancelled() || !stream->Write(out)) cancelled = true;
  };
  // The outcome travels in the stream (as Docker's JSON stream does); the
  // call itself ends OK unless the client went away.
  builds_->Execute(*build, sink, &cancelled).status().IgnoreError();
  if (cancelled) return grpc::Status(grpc::StatusCode::CANCELLED, "client went away");
  return grpc::Status::OK;
}

grpc::Status BerthService::Version(grpc::ServerContext*, const v1::VersionRequest*,
                                   v1::VersionResponse* resp) {
  *resp = system_.Version();
  return grpc::Status::OK;
}

grpc::Status BerthService::Info(grpc::ServerContext*, const v1::InfoRequest*,
                                v1::InfoResponse* resp) {
  *resp = system_.Info().info;
  return grpc::Status::OK;
}

grpc::Status BerthService::DiskUsage(grpc::ServerContext*, const v1::DiskUsageRequest*,
                                     v1::DiskUsageResponse* resp) {
  return Reply(system_.DiskUsage(), resp);
}

grpc::Status BerthService::ImportImage(grpc::ServerContext* ctx,
                                       grpc::ServerReader<v1::ImportImageRequest>* reader,
                                       v1::ImportImageResponse* resp) {
  v1::ImportImageRequest first;
  if (!reader->Read(&first)) return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "no options");
  return Reply(images_->Import(first, ChunksOf<v1::ImportImageRequest>(reader), ctx), resp);
}

grpc::Status BerthService::ListImages(grpc::ServerContext*, const v1::ListImagesApiRequest* req,
                                      v1::ListImagesResponse* resp) {
  absl::StatusOr<std::vector<v1::Image>> images =
      images_->List(req->all(), FilterMap(req->filters()));
  if (!images.ok()) return ToGrpcStatus(images.status());
  for (v1::Image& image : *images) *resp->add_images() = std::move(image);
  return grpc::Status::OK;
}

grpc::Status BerthService::InspectImage(grpc::ServerContext*, const v1::InspectImageRequest* req,
                                        v1::Image* resp) {
  return Reply(images_->Inspect(req->reference()), resp);
}

grpc::Status BerthService::RemoveImage(grpc::ServerContext*, const v1::RemoveImageRequest* req,
                                       v1::RemoveImageResponse* resp) {
  return Reply(images_->Remove(req->reference(), req->force()), resp);
}

grpc::Status BerthService::PullImage(grpc::ServerContext* ctx, const v1::PullImageRequest* req,
                                     grpc::ServerWriter<v1::ProgressMessage>* writer) {
  return ToGrpcStatus(images_->Pull(*req, SinkOf(writer), ctx));
}

grpc::Status BerthService::PushImage(grpc::ServerContext* ctx, const v1::PushImageRequest* req,
                                     grpc::ServerWriter<v1::ProgressMessage>* writer) {
  return ToGrpcStatus(images_->Push(*req, SinkOf(writer), ctx));
}

grpc::Status BerthService::TagImage(grpc::ServerContext*, const v1::TagImageRequest* req,
                                    v1::TagImageResponse*) {
  return ToGrpcStatus(images_->Tag(req->source(), req->target()));
}

grpc::Status BerthService::CreateContainer(grpc::ServerContext*,
                                           const v1::CreateContainerApiRequest* req,
                                           v1::CreateContainerApiResponse* resp) {
  absl::StatusOr<ContainerService::CreateResult> created =
      containers_.Create(req->name(), req->config());
  if (!created.ok()) return ToGrpcStatus(created.status());
  resp->set_id(created->id);
  for (const std::string& w : created->warnings) resp->add_warnings(w);
  return grpc::Status::OK;
}

grpc::Status BerthService::StartContainer(grpc::ServerContext*,
                                          const v1::StartContainerApiRequest* req,
                                          v1::StartContainerApiResponse* resp) {
  absl::StatusOr<bool> already = containers_.Start(req->container());
  if (!already.ok()) return ToGrpcStatus(already.status());
  resp->set_already_running(*already);
  return grpc::Status::OK;
}

grpc::Status BerthService::WaitContainer(grpc::ServerContext* ctx,
                                         const v1::WaitContainerApiRequest* req,
                                         grpc::ServerWriter<v1::WaitEvent>* writer) {
  std::unique_ptr<WaitStream> stream =
      containers_.Wait(req->container(), req->condition(), ctx);
  return Forward(*stream, writer);
}

grpc::Status BerthService::StopContainer(grpc::ServerContext*,
                                         const v1::StopContainerApiRequest* req,
                                         v1::StopContainerApiResponse* resp) {
  absl::StatusOr<bool> already = containers_.Stop(req->container(), req->timeout_seconds(), "");
  if (!already.ok()) return ToGrpcStatus(already.status());
  resp->set_already_stopped(*already);
  return grpc::Status::OK;
}

grpc::Status BerthService::KillContainer(grpc::ServerContext*,
                                         const v1::KillContainerApiRequest* req,
                                         v1::KillContainerApiResponse*) {
  return ToGrpcStatus(containers_.Kill(req->container(), req->signal()));
}

grpc::Status BerthService::RemoveContainer(grpc::ServerContext*,
                                           const v1::RemoveContainerApiRequest* req,
                                           v1::RemoveContainerApiResponse*) {
  return ToGrpcStatus(containers_.Remove(req->container(), req->force(), req->remove_volumes()));
}

grpc::Status BerthService::CreateVolume(grpc::ServerContext*, const v1::CreateVolumeRequest* req,
                                        v1::Volume* resp) {
  if (volumes_ == nullptr) return ToGrpcStatus(absl::UnavailableError("volumes are not wired"));
  return Reply(volumes_->Create(*req), resp);
}

grpc::Status BerthService::InspectVolume(grpc::ServerContext*,
                                         const v1::InspectVolumeRequest* req, v1::Volume* resp) {
  if (volumes_ == nullptr) return ToGrpcStatus(absl::UnavailableError("volumes are not wired"));
  return Reply(volumes_->Inspect(req->name()), resp);
}

grpc::Status BerthService::ListVolumes(grpc::ServerContext*, const v1::ListVolumesRequest* req,
                                       v1::ListVolumesResponse* resp) {
  if (volumes_ == nullptr) return ToGrpcStatus(absl::UnavailableError("volumes are not wired"));
  absl::StatusOr<std::vector<v1::Volume>> list = volumes_->List(req->filters());
  if (!list.ok()) return ToGrpcStatus(list.status());
  for (v1::Volume& v : *list) *resp->add_volumes() = std::move(v);
  return grpc::Status::OK;
}

grpc::Status BerthService::RemoveVolume(grpc::ServerContext*, const v1::RemoveVolumeRequest* req,
                                        v1::RemoveVolumeResponse*) {
  if (volumes_ == nullptr) return ToGrpcStatus(absl::UnavailableError("volumes are not wired"));
  return ToGrpcStatus(volumes_->Remove(req->name(), req->force()));
}

grpc::Status BerthService::PruneVolumes(grpc::ServerContext*, const v1::PruneVolumesRequest* req,
                                        v1::PruneVolumesResponse* resp) {
  if (volumes_ == nullptr) return ToGrpcStatus(absl::UnavailableError("volumes are not wired"));
  return Reply(volumes_->Prune(req->filters()), resp);
}

grpc::Status BerthService::ListContainers(grpc::ServerContext*,
                                          const v1::ListContainersApiRequest* req,
                                          v1::ListContainersApiResponse* resp) {
  ContainerListQuery query{req->all(), FilterMap(req->filters()), req->limit()};
  absl::StatusOr<std::vector<v1::Container>> list = containers_.List(query);
  if (!list.ok()) return ToGrpcStatus(list.status());
  for (v1::Container& c : *list) *resp->add_containers() = std::move(c);
  return grpc::Status::OK;
}

grpc::Status BerthService::InspectContainer(grpc::ServerContext*,
                                            const v1::InspectContainerApiRequest* req,
                                            v1::Container* resp) {
  return Reply(containers_.Inspect(req->container()), resp);
}

grpc::Status BerthService::ContainerStats(grpc::ServerContext*,
                                          const v1::ContainerStatsApiRequest* req,
                                          v1::ContainerStats* resp) {
  return Reply(containers_.Stats(req->container()), resp);
}

grpc::Status BerthService::ContainerLogs(grpc::ServerContext* ctx,
                                         const v1::ContainerLogsApiRequest* req,
                                         grpc::ServerWriter<v1::LogBatch>* writer) {
  v1::ContainerLogsRequest request;
  request.set_container(req->container());
  request.set_follow(req->follow());
  request.set_stdout(req->stdout());
  request.set_stderr(req->stderr());
  request.set_tail(req->tail());
  request.set_since_unix_nano(req->since_unix_nano());
  absl::StatusOr<ContainerService::OpenLogs> logs = containers_.Logs(request, ctx);
  if (!logs.ok()) return ToGrpcStatus(logs.status());
  return Forward(*logs->stream, writer);
}

grpc::Status BerthService::Events(grpc::ServerContext* ctx, const v1::EventsApiRequest* req,
                                  grpc::ServerWriter<v1::Event>* writer) {
  EventQuery query;
  query.since_unix_nano = req->since_unix_nano();
  query.until_unix_nano = req->until_unix_nano();
  for (const auto& f : req->filters()) query.filters[f.key()].push_back(f.value());
  if (absl::Status s = ValidateEventFilters(query.filters); !s.ok()) return ToGrpcStatus(s);
  return ToGrpcStatus(events_.Stream(
      query, [writer](const v1::Event& e) { return writer->Write(e); },
      [ctx] { return ctx->IsCancelled(); }));
}

grpc::ServerBidiReactor<v1::AttachInput, v1::AttachOutput>* BerthService::AttachContainer(
    grpc::CallbackServerContext*) {
  return new AttachReactor(containers_.AttachRaw(nullptr));
}

grpc::Status BerthService::ResizeContainer(grpc::ServerContext*,
                                           const v1::ResizeContainerApiRequest* req,
                                           v1::ResizeContainerApiResponse*) {
  return ToGrpcStatus(containers_.Resize(req->container(), req->height(), req->width()));
}

grpc::Status BerthService::CreateExec(grpc::ServerContext*, const v1::CreateExecRequest* req,
                                      v1::ExecInspect* resp) {
  if (execs_ == nullptr) return NoExecs();
  return Reply(execs_->Create(req->container(), req->config()), resp);
}

grpc::Status BerthService::StartExec(grpc::ServerContext*, const v1::StartExecRequest* req,
                                     v1::StartExecResponse* resp) {
  if (execs_ == nullptr) return NoExecs();
  absl::StatusOr<v1::ExecInspect> exec =
      execs_->StartDetached(req->exec_id(), req->height(), req->width());
  if (!exec.ok()) return ToGrpcStatus(exec.status());
  *resp->mutable_exec() = *std::move(exec);
  return grpc::Status::OK;
}

grpc::ServerBidiReactor<v1::AttachInput, v1::AttachOutput>* BerthService::AttachExec(
    grpc::CallbackServerContext*) {
  if (execs_ == nullptr) {
    class Refused : public grpc::ServerBidiReactor<v1::AttachInput, v1::AttachOutput> {
     public:
      Refused() { Finish(NoExecs()); }
      void OnDone() override { delete this; }
    };
    return new Refused();
  }
  return new AttachReactor(execs_->AttachRaw(nullptr));
}

grpc::Status BerthService::ResizeExec(grpc::ServerContext*, const v1::ResizeExecRequest* req,
                                      v1::ResizeExecResponse*) {
  if (execs_ == nullptr) return NoExecs();
  return ToGrpcStatus(execs_->Resize(req->exec_id(), req->height(), req->width()));
}

grpc::Status BerthService::InspectExec(grpc::ServerContext*, const v1::InspectExecRequest* req,
                                       v1::ExecInspect* resp) {
  if (execs_ == nullptr) return NoExecs();
  return Reply(execs_->Inspect(req->exec_id()), resp);
}

}  // namespace berth::apid
