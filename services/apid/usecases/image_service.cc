#include "services/apid/usecases/image_service.h"

#include "absl/strings/str_cat.h"

namespace berth::apid {

template <typename T>
absl::Status ImageService::Relay(std::unique_ptr<ReadStream<T>> stream, const StreamSink<T>& sink,
                                 const std::string& what) {
  if (stream == nullptr) return absl::UnimplementedError(what + " is not implemented yet");
  if (sink.cancellable) sink.cancellable([s = stream.get()] { s->Cancel(); });
  T message;
  while (stream->Read(&message)) {
    if (!sink.write(message)) {
      stream->Cancel();
      break;
    }
  }
  if (sink.cancellable) sink.cancellable(nullptr);
  return stream->Finish();
}

template <typename Stream, typename Message>
auto ImageService::Upload(std::unique_ptr<Stream> stream, const ChunkSource& source,
                          const std::function<Message(std::string)>& wrap,
                          const std::string& what) -> decltype(stream->Finish()) {
  if (stream == nullptr) return absl::UnimplementedError(what + " is not implemented yet");
  for (bool open = true; open;) {
    absl::StatusOr<std::string> chunk = source();
    if (!chunk.ok()) {
      stream->Cancel();
      stream->Finish().IgnoreError();
      return chunk.status();
    }
    if (chunk->empty()) break;
    open = stream->Write(wrap(std::move(*chunk)));  // false: imaged failed it; Finish says why
  }
  return stream->Finish();
}

absl::StatusOr<std::vector<v1::Image>> ImageService::List(bool all) {
  return imaged_.ListImages(all);
}

absl::StatusOr<v1::Image> ImageService::Inspect(const std::string& reference) {
  return imaged_.InspectImage(reference);
}

absl::StatusOr<v1::RemoveImageResponse> ImageService::Remove(const std::string& reference,
                                                             bool force) {
  return imaged_.RemoveImage(reference, force);
}

absl::Status ImageService::Tag(const std::string& source, const std::string& target) {
  return imaged_.TagImage(source, target);
}

absl::StatusOr<v1::ImageHistoryResponse> ImageService::History(const std::string& reference) {
  return imaged_.ImageHistory(reference);
}

absl::StatusOr<v1::PruneImagesResponse> ImageService::Prune(
    const v1::PruneImagesRequest& request) {
  return imaged_.PruneImages(request);
}

absl::StatusOr<v1::SearchImagesResponse> ImageService::Search(
    const v1::SearchImagesRequest& request) {
  return imaged_.SearchImages(request);
}

absl::StatusOr<v1::LoginResponse> ImageService::Login(const v1::LoginRequest& request) {
  return imaged_.Login(request);
}

absl::StatusOr<v1::ImportImageResponse> ImageService::Import(
    const v1::ImportImageRequest& first, const ChunkSource& source,
    const grpc::ServerContextBase* parent) {
  std::unique_ptr<ImportStream> stream = imaged_.ImportImage(parent);
  if (stream != nullptr && !stream->Write(first)) return stream->Finish();
  return Upload<ImportStream, v1::ImportImageRequest>(
      std::move(stream), source,
      [](std::string chunk) {
        v1::ImportImageRequest message;
        message.set_chunk(std::move(chunk));
        return message;
      },
      "image import");
}

absl::StatusOr<v1::LoadImagesResponse> ImageService::Load(const ChunkSource& source,
                                                          const grpc::ServerContextBase* parent) {
  return Upload<LoadStream, v1::LoadImagesRequest>(
      imaged_.LoadImages(parent), source,
      [](std::string chunk) {
        v1::LoadImagesRequest message;
        message.set_chunk(std::move(chunk));
        return message;
      },
      "image load");
}

absl::Status ImageService::Save(const v1::SaveImagesRequest& request,
                                const StreamSink<v1::SaveImagesChunk>& sink,
                                const grpc::ServerContextBase* parent) {
  if (request.references().empty()) {
    return absl::InvalidArgumentError("no image names given (names=)");
  }
  return Relay(imaged_.SaveImages(request, parent), sink, "image save");
}

absl::Status ImageService::Pull(const v1::PullImageRequest& request,
                                const StreamSink<v1::ProgressMessage>& sink,
                                const grpc::ServerContextBase* parent) {
  return Relay(imaged_.PullImage(request, parent), sink, "pull");
}

absl::Status ImageService::Push(const v1::PushImageRequest& request,
                                const StreamSink<v1::ProgressMessage>& sink,
                                const grpc::ServerContextBase* parent) {
  return Relay(imaged_.PushImage(request, parent), sink, "push");
}

}  // namespace berth::apid
