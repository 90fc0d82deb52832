#include "services/imaged/imaged_service.h"

#include "common/events/event_service.h"
#include <algorithm>

#include "common/archive/archive_grpc.h"
#include "common/archive/path_archive.h"
#include "common/grpc/grpc_status.h"
#include "common/status/status.h"
#include "common/time/proto_time.h"

namespace berth::imaged {
namespace {

void ToProto(const Image& in, v1::Image* out) {
  out->set_id(in.id);
  for (const auto& t : in.repo_tags) out->add_repo_tags(t);
  for (const auto& d : in.repo_digests) out->add_repo_digests(d);
  *out->mutable_created() = ToTimestamp(in.created);
  out->set_size(in.size);
  v1::ImageConfig* c = out->mutable_config();
  for (const auto& e : in.config.env) c->add_env(e);
  for (const auto& e : in.config.cmd) c->add_cmd(e);
  for (const auto& e : in.config.entrypoint) c->add_entrypoint(e);
  c->set_working_dir(in.config.working_dir);
  c->set_user(in.config.user);
  for (const auto& p : in.config.exposed_ports) c->add_exposed_ports(p);
  for (const auto& [k, v] : in.config.labels) (*c->mutable_labels())[k] = v;
  c->set_stop_signal(in.config.stop_signal);
  for (const auto& v : in.config.volumes) c->add_volumes(v);
  for (const auto& v : in.config.shell) c->add_shell(v);
  for (const auto& v : in.config.on_build) c->add_on_build(v);
  if (in.config.healthcheck.has_value()) {
    const metadata::HealthConfig& h = *in.config.healthcheck;
    v1::HealthConfig* hc = c->mutable_healthcheck();
    for (const auto& t : h.test) hc->add_test(t);
    hc->set_interval_ns(h.interval_ns);
    hc->set_timeout_ns(h.timeout_ns);
    hc->set_start_period_ns(h.start_period_ns);
    hc->set_start_interval_ns(h.start_interval_ns);
    hc->set_retries(h.retries);
  }
  for (const auto& d : in.diff_ids) out->add_diff_ids(d);
  out->set_architecture(in.architecture);
  out->set_os(in.os);
  out->set_comment(in.comment);
  out->set_author(in.author);
  out->set_parent(in.parent);
}

metadata::ImageConfig FromProto(const v1::ImageConfig& c) {
  metadata::ImageConfig out;
  out.env.assign(c.env().begin(), c.env().end());
  out.cmd.assign(c.cmd().begin(), c.cmd().end());
  out.entrypoint.assign(c.entrypoint().begin(), c.entrypoint().end());
  out.working_dir = c.working_dir();
  out.user = c.user();
  out.exposed_ports.assign(c.exposed_ports().begin(), c.exposed_ports().end());
  std::sort(out.exposed_ports.begin(), out.exposed_ports.end());
  out.exposed_ports.erase(std::unique(out.exposed_ports.begin(), out.exposed_ports.end()),
                          out.exposed_ports.end());
  out.labels.insert(c.labels().begin(), c.labels().end());
  out.stop_signal = c.stop_signal();
  out.volumes.assign(c.volumes().begin(), c.volumes().end());
  std::sort(out.volumes.begin(), out.volumes.end());
  out.volumes.erase(std::unique(out.volumes.begin(), out.volumes.end()), out.volumes.end());
  out.shell.assign(c.shell().begin(), c.shell().end());
  out.on_build.assign(c.on_build().begin(), c.on_build().end());
  if (c.has_healthcheck()) {
    metadata::HealthConfig h;
    h.test.assign(c.healthcheck().test().begin(), c.healthcheck().test().end());
    h.interval_ns = c.healthcheck().interval_ns();
    h.timeout_ns = c.healthcheck().timeout_ns();
    h.start_period_ns = c.healthcheck().start_period_ns();
    h.start_interval_ns = c.healthcheck().start_interval_ns();
    h.retries = c.healthcheck().retries();
    out.healthcheck = std::move(h);
  }
  return out;
}

DerivedImageOptions FromProto(const v1::DerivedImageOptions& in) {
  DerivedImageOptions out;
  out.parent = in.parent();
  out.config = FromProto(in.config());
  out.created_by = in.created_by();
  out.comment = in.comment();
  out.author = in.author();
  out.tag = in.tag();
  return out;
}

}  // namespace

grpc::Status ImagedService::CreateImage(grpc::ServerContext* context,
                                        grpc::ServerReader<v1::CreateImageRequest>* reader,
                                        v1::CreateImageResponse* response) {
  v1::CreateImageRequest first;
  if (!reader->Read(&first) || !first.has_options()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "create image: the first message must carry options");
  }
  ChunkReader next_chunk = [&]() -> absl::StatusOr<std::optional<std::string>> {
    v1::CreateImageRequest message;
    if (!reader->Read(&message)) {
      if (context->IsCancelled()) return absl::CancelledError("client cancelled the upload");
      return std::nullopt;
    }
    if (!message.has_chunk()) {
      return absl::InvalidArgumentError("only layer chunks may follow the options");
    }
    return std::move(*message.mutable_chunk());
  };
  absl::StatusOr<Image> image = manager_.CreateImage(FromProto(first.options()), next_chunk);
  if (!image.ok()) return ToGrpcStatus(image.status());
  ToProto(*image, response->mutable_image());
  return grpc::Status::OK;
}

namespace {

// Streams a tar produced through a TarSink as ~256 KiB messages (instead of
// one per libarchive block). `produce` writes the tar.
template <typename Chunk>
grpc::Status StreamTar(grpc::ServerContext* context, grpc::ServerWriter<Chunk>* writer,
                       const std::function<absl::Status(const layers::TarSink&)>& produce) {
  std::string pending;
  auto flush = [&]() -> absl::Status {
    if (pending.empty()) return absl::OkStatus();
    if (context->IsCancelled()) return absl::CancelledError("client went away");
    Chunk chunk;
    chunk.set_data(std::move(pending));
    pending.clear();
    if (!writer->Write(chunk)) return absl::CancelledError("client went away");
    return absl::OkStatus();
  };
  absl::Status status = produce([&](const void* data, size_t size) -> absl::Status {
    pending.append(static_cast<const char*>(data), size);
    return pending.size() >= 256 * 1024 ? flush() : absl::OkStatus();
  });
  if (status.ok()) status = flush();
  return ToGrpcStatus(status);
}

}  // namespace

grpc::Status ImagedService::ExportImagePaths(grpc::ServerContext* context,
                                             const v1::ExportImagePathsRequest* request,
                                             grpc::ServerWriter<v1::ExportImagePathsChunk>* writer) {
  std::vector<std::string> paths(request->paths().begin(), request->paths().end());
  return StreamTar(context, writer, [&](const layers::TarSink& sink) {
    return manager_.ExportPaths(request->image(), paths, sink);
  });
}

grpc::Status ImagedService::SaveImages(grpc::ServerContext* context,
                                       const v1::SaveImagesRequest* request,
                                       grpc::ServerWriter<v1::SaveImagesChunk>* writer) {
  std::vector<std::string> refs(request->references().begin(), request->references().end());
  return StreamTar(context, writer,
                   [&](const layers::TarSink& sink) { return manager_.Save(refs, sink); });
}

grpc::Status ImagedService::LoadImages(grpc::ServerContext* context,
                                       grpc::ServerReader<v1::LoadImagesRequest>* reader,
                                       v1::LoadImagesResponse* response) {
  ChunkReader next_chunk = [&]() -> absl::StatusOr<std::optional<std::string>> {
    v1::LoadImagesRequest message;
    if (!reader->Read(&message)) {
      if (context->IsCancelled()) return absl::CancelledError("client cancelled the upload");
      return std::nullopt;
    }
    return std::move(*message.mutable_chunk());
  };
  absl::StatusOr<LoadResult> loaded = manager_.Load(next_chunk);
  if (!loaded.ok()) return ToGrpcStatus(loaded.status());
  for (const auto& t : loaded->tags) response->add_tags(t);
  for (const auto& id : loaded->untagged_ids) response->add_untagged_ids(id);
  for (const auto& l : loaded->layers) {
    v1::LoadedLayer* out = response->add_layers();
    out->set_diff_id(l.diff_id);
    out->set_size(l.size);
  }
  return grpc::Status::OK;
}

grpc::Status ImagedService::LayerUsage(grpc::ServerContext*, const v1::LayerUsageRequest*,
                                       v1::LayerUsageResponse* response) {
  imaged::LayerUsage usage = manager_.Usage();
  response->set_layers_size(usage.layers_size);
  for (const auto& [id, bytes] : usage.shared_size) (*response->mutable_shared_size())[id] = bytes;
  return grpc::Status::OK;
}

grpc::Status ImagedService::ImageHistory(grpc::ServerContext*,
                                         const v1::ImageHistoryRequest* request,
                                         v1::ImageHistoryResponse* response) {
  absl::StatusOr<std::vector<HistoryItem>> items = manager_.History(request->reference());
  if (!items.ok()) return ToGrpcStatus(items.status());
  for (const HistoryItem& item : *items) {
    v1::ImageHistoryItem* out = response->add_items();
    out->set_id(item.id);
    *out->mutable_created() = ToTimestamp(item.created);
    out->set_created_by(item.created_by);
    for (const auto& t : item.tags) out->add_tags(t);
    out->set_size(item.size);
    out->set_comment(item.comment);
  }
  return grpc::Status::OK;
}

grpc::Status ImagedService::PruneImages(grpc::ServerContext*,
                                        const v1::PruneImagesRequest* request,
                                        v1::PruneImagesResponse* response) {
  PruneOptions options;
  options.all = request->all();
  if (request->has_until()) {
    options.until = FromTimestamp(request->until());
  }
  options.labels.assign(request->labels().begin(), request->labels().end());
  options.without_labels.assign(request->without_labels().begin(),
                                request->without_labels().end());
  absl::StatusOr<PruneResult> pruned = manager_.Prune(options);
  if (!pruned.ok()) return ToGrpcStatus(pruned.status());
  for (const auto& t : pruned->untagged) response->add_untagged(t);
  for (const auto& d : pruned->deleted) response->add_deleted(d);
  response->set_space_reclaimed(pruned->space_reclaimed);
  return grpc::Status::OK;
}

grpc::Status ImagedService::SearchImages(grpc::ServerContext*,
                                         const v1::SearchImagesRequest* request,
                                         v1::SearchImagesResponse* response) {
  absl::StatusOr<std::vector<std::string>> names =
      manager_.Search(request->term(), request->limit(), request->registry_auth());
  if (!names.ok()) return ToGrpcStatus(names.status());
  for (const auto& n : *names) response->add_names(n);
  return grpc::Status::OK;
}

grpc::Status ImagedService::CommitSnapshot(grpc::ServerContext*,
                                           const v1::CommitSnapshotRequest* request,
                                           v1::CommitSnapshotResponse* response) {
  absl::StatusOr<Image> image =
      manager_.CommitSnapshot(request->key(), FromProto(request->options()));
  if (!image.ok()) return ToGrpcStatus(image.status());
  ToProto(*image, response->mutable_image());
  return grpc::Status::OK;
}

grpc::Status ImagedService::StatSnapshotPath(grpc::ServerContext*,
                                             const v1::ContainerPathRequest* request,
                                             v1::ContainerPathStat* response) {
  return ToGrpcStatus(manager_.WithSnapshotRoot(request->container(), [&](int root) -> absl::Status {
    BERTH_ASSIGN_OR_RETURN(archive::PathStat stat, archive::StatContainerPath(root, request->path()));
    archive::ToProto(stat, response);
    return absl::OkStatus();
  }));
}

grpc::Status ImagedService::ArchiveSnapshotPath(
    grpc::ServerContext* context, const v1::ContainerPathRequest* request,
    grpc::ServerWriter<v1::ContainerArchiveChunk>* writer) {
  return ToGrpcStatus(manager_.WithSnapshotRoot(request->container(), [&](int root) -> absl::Status {
    BERTH_ASSIGN_OR_RETURN(archive::PathStat stat, archive::StatContainerPath(root, request->path()));
    return archive::StreamTar(context, writer, &stat, [&](const archive::TarSink& sink) {
      return archive::ArchiveContainerPath(root, request->path(), sink);
    });
  }));
}

grpc::Status ImagedService::ExtractToSnapshot(
    grpc::ServerContext* context, grpc::ServerReader<v1::ExtractToContainerRequest>* reader,
    v1::ExtractToContainerResponse*) {
  absl::StatusOr<v1::ExtractToContainerRequest> first = archive::ReadExtractHeader(context, reader);
  if (!first.ok()) return ToGrpcStatus(first.status());
  archive::ExtractOptions options{first->no_overwrite_dir_non_dir(), first->copy_uid_gid()};
  archive::TarSource source =
      archive::ExtractDataSource(context, reader, std::move(*first->mutable_data()));
  return ToGrpcStatus(manager_.WithSnapshotRoot(first->container(), [&](int root) {
    return archive::ExtractToContainerPath(root, first->path(), options, source);
  }));
}

grpc::Status ImagedService::ExportSnapshot(grpc::ServerContext* context,
                                           const v1::ContainerExportRequest* request,
                                           grpc::ServerWriter<v1::ContainerArchiveChunk>* writer) {
  return ToGrpcStatus(
      archive::StreamTar(context, writer, nullptr, [&](const archive::TarSink& sink) {
        return manager_.ExportSnapshot(request->container(), sink);
      }));
}

grpc::Status ImagedService::SnapshotChanges(grpc::ServerContext*,
                                            const v1::ContainerChangesRequest* request,
                                            v1::ContainerChangesResponse* response) {
  absl::StatusOr<std::vector<layers::Change>> changes =
      manager_.SnapshotChanges(request->container());
  if (!changes.ok()) return ToGrpcStatus(changes.status());
  for (const layers::Change& c : *changes) {
    v1::ContainerChange* out = response->add_changes();
    out->set_path(c.path);
    out->set_kind(static_cast<int32_t>(c.kind));
  }
  return grpc::Status::OK;
}

grpc::Status ImagedService::ImportImage(grpc::ServerContext* context,
                                        grpc::ServerReader<v1::ImportImageRequest>* reader,
                                        v1::ImportImageResponse* response) {
  v1::ImportImageRequest first;
  if (!reader->Read(&first) || !first.has_options()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "import: the first message must carry options");
  }
  ImportOptions options;
  options.repo = first.options().repo();
  options.tag = first.options().tag();
  options.message = first.options().message();
  options.changes.assign(first.options().changes().begin(), first.options().changes().end());
  ChunkReader next_chunk = [&]() -> absl::StatusOr<std::optional<std::string>> {
    v1::ImportImageRequest message;
    if (!reader->Read(&message)) {
      // Read() is false both at a clean half-close and when the call died.
      if (context->IsCancelled()) return absl::CancelledError("client cancelled the upload");
      return std::nullopt;
    }
    if (!message.has_chunk()) {
      return absl::InvalidArgumentError("only archive chunks may follow the options");
    }
    return std::move(*message.mutable_chunk());
  };
  absl::StatusOr<Image> image = manager_.Import(options, next_chunk);
  if (!image.ok()) return ToGrpcStatus(image.status());
  ToProto(*image, response->mutable_image());
  return grpc::Status::OK;
}

grpc::Status ImagedService::ListImages(grpc::ServerContext*, const v1::ListImagesRequest* request,
                                       v1::ListImagesResponse* response) {
  for (const Image& image : manager_.List(request->all())) ToProto(image, response->add_images());
  return grpc::Status::OK;
}

grpc::Status ImagedService::InspectImage(grpc::ServerContext*,
                                         const v1::InspectImageRequest* request,
                                         v1::Image* response) {
  absl::StatusOr<Image> image = manager_.Inspect(request->reference());
  if (!image.ok()) return ToGrpcStatus(image.status());
  ToProto(*image, response);
  return grpc::Status::OK;
}

grpc::Status ImagedService::TagImage(grpc::ServerContext*, const v1::TagImageRequest* request,
                                     v1::TagImageResponse*) {
  return ToGrpcStatus(manager_.Tag(request->source(), request->target()));
}

grpc::Status ImagedService::RemoveImage(grpc::ServerContext*,
                                        const v1::RemoveImageRequest* request,
                                        v1::RemoveImageResponse* response) {
  absl::StatusOr<RemoveResult> result = manager_.Remove(request->reference(), request->force());
  if (!result.ok()) return ToGrpcStatus(result.status());
  for (const auto& t : result->untagged) response->add_untagged(t);
  for (const auto& d : result->deleted) response->add_deleted(d);
  return grpc::Status::OK;
}

namespace {

// Progress goes to the client as it happens; a client gone away cancels the
// transfer (checked by the registry client between blocks).
RegistryRequest StreamingRequest(grpc::ServerContext* context, const std::string& reference,
                                 const std::string& registry_auth,
                                 grpc::ServerWriter<v1::ProgressMessage>* writer) {
  RegistryRequest request;
  request.reference = reference;
  request.registry_auth = registry_auth;
  request.progress = [writer](const Progress& p) {
    v1::ProgressMessage message;
    message.set_id(p.id);
    message.set_status(p.status);
    message.set_current(p.current);
    message.set_total(p.total);
    writer->Write(message);
  };
  request.cancelled = [context] { return context->IsCancelled(); };
  return request;
}

}  // namespace

grpc::Status ImagedService::PullImage(grpc::ServerContext* context,
                                      const v1::PullImageRequest* request,
                                      grpc::ServerWriter<v1::ProgressMessage>* writer) {
  return ToGrpcStatus(
      manager_
          .Pull(StreamingRequest(context, request->reference(), request->registry_auth(), writer))
          .status());
}

grpc::Status ImagedService::PushImage(grpc::ServerContext* context,
                                      const v1::PushImageRequest* request,
                                      grpc::ServerWriter<v1::ProgressMessage>* writer) {
  return ToGrpcStatus(
      manager_
          .Push(StreamingRequest(context, request->reference(), request->registry_auth(), writer))
          .status());
}

grpc::Status ImagedService::Events(grpc::ServerContext* context, const v1::EventsRequest* request,
                              grpc::ServerWriter<v1::Event>* writer) {
  return events::ServeEvents(manager_.events(), context, *request, writer);
}

grpc::Status ImagedService::Login(grpc::ServerContext*, const v1::LoginRequest* request,
                                  v1::LoginResponse* response) {
  absl::Status status = manager_.Login(request->server(), request->registry_auth());
  if (!status.ok()) return ToGrpcStatus(status);
  response->set_status("Login Succeeded");
  return grpc::Status::OK;
}

grpc::Status ImagedService::PrepareSnapshot(grpc::ServerContext*,
                                            const v1::PrepareSnapshotRequest* request,
                                            v1::PrepareSnapshotResponse* response) {
  auto mounts = manager_.PrepareSnapshot(request->key(), request->image_id());
  if (!mounts.ok()) return ToGrpcStatus(mounts.status());
  for (const snapshots::Mount& m : *mounts) {
    v1::Mount* out = response->add_mounts();
    out->set_type(m.type);
    out->set_source(m.source);
    out->set_target(m.target);
    for (const auto& o : m.options) out->add_options(o);
  }
  return grpc::Status::OK;
}

grpc::Status ImagedService::RemoveSnapshot(grpc::ServerContext*,
                                           const v1::RemoveSnapshotRequest* request,
                                           v1::RemoveSnapshotResponse*) {
  return ToGrpcStatus(manager_.RemoveSnapshot(request->key()));
}

grpc::Status ImagedService::ListSnapshots(grpc::ServerContext*, const v1::ListSnapshotsRequest*,
                                          v1::ListSnapshotsResponse* response) {
  for (const auto& key : manager_.ListSnapshots()) response->add_keys(key);
  return grpc::Status::OK;
}

}  // namespace berth::imaged
