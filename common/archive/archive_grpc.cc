#include "common/archive/archive_grpc.h"

#include <string>
#include <utility>

namespace berth::archive {

void ToProto(const PathStat& stat, v1::ContainerPathStat* out) {
  out->set_name(stat.name);
  out->set_size(stat.size);
  out->set_mode(stat.mode);
  out->set_mtime_unix_nanos(stat.mtime_unix_nanos);
  out->set_link_target(stat.link_target);
}

absl::Status StreamTar(grpc::ServerContext* context,
                       grpc::ServerWriter<v1::ContainerArchiveChunk>* writer,
                       const PathStat* stat,
                       const std::function<absl::Status(const TarSink&)>& produce) {
  v1::ContainerArchiveChunk pending;
  if (stat != nullptr) ToProto(*stat, pending.mutable_stat());
  bool first = stat != nullptr;
  auto flush = [&]() -> absl::Status {
    if (!first && pending.data().empty()) return absl::OkStatus();
    if (context->IsCancelled()) return absl::CancelledError("client went away");
    if (!writer->Write(pending)) return absl::CancelledError("client went away");
    pending.Clear();
    first = false;
    return absl::OkStatus();
  };
  absl::Status status = produce([&](const void* data, size_t size) -> absl::Status {
    pending.mutable_data()->append(static_cast<const char*>(data), size);
    return pending.data().size() >= 256 * 1024 ? flush() : absl::OkStatus();
  });
  if (status.ok()) status = flush();
  return status;
}

absl::StatusOr<v1::ExtractToContainerRequest> ReadExtractHeader(
    grpc::ServerContext*, grpc::ServerReader<v1::ExtractToContainerRequest>* reader) {
  v1::ExtractToContainerRequest first;
  if (!reader->Read(&first)) {
    return absl::InvalidArgumentError("extract: the first message must carry the path");
  }
  return first;
}

TarSource ExtractDataSource(grpc::ServerContext* context,
                            grpc::ServerReader<v1::ExtractToContainerRequest>* reader,
                            std::string first_data) {
  return [context, reader, first = std::move(first_data)]() mutable -> absl::StatusOr<std::string> {
    if (!first.empty()) return std::exchange(first, std::string());
    v1::ExtractToContainerRequest message;
    while (reader->Read(&message)) {
      if (!message.data().empty()) return std::move(*message.mutable_data());
    }
    if (context->IsCancelled()) return absl::CancelledError("client cancelled the upload");
    return std::string();
  };
}

}  // namespace berth::archive
