#include "services/apid/usecases/image_service.h"

#include <fnmatch.h>

#include <algorithm>
#include <cstdint>
#include <optional>

#include "absl/strings/str_cat.h"
#include "common/status/status.h"
#include "services/apid/usecases/prune_filters.h"

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

namespace {

// Docker's reference.FamiliarMatch: path.Match on "name:tag", then on "name".
bool ReferenceMatches(const std::string& pattern, const std::string& tag) {
  if (fnmatch(pattern.c_str(), tag.c_str(), FNM_PATHNAME) == 0) return true;
  const size_t slash = tag.rfind('/');
  const size_t colon = tag.rfind(':');
  const std::string name =
      colon != std::string::npos && (slash == std::string::npos || colon > slash)
          ? tag.substr(0, colon)
          : tag;
  return fnmatch(pattern.c_str(), name.c_str(), FNM_PATHNAME) == 0;
}

int64_t CreatedNanos(const v1::Image& image) {
  return image.created().seconds() * 1'000'000'000 + image.created().nanos();
}

}  // namespace

absl::StatusOr<std::vector<v1::Image>> ImageService::List(bool all, const Filters& filters) {
  std::optional<bool> dangling;
  std::optional<int64_t> before, since;  // created times of the named images
  for (const auto& [key, values] : filters) {
    if (key == "dangling") {
      for (const std::string& v : values) {
        if (v != "true" && v != "false" && v != "1" && v != "0") {
          return absl::InvalidArgumentError(absl::StrCat("invalid filter 'dangling=", v, "'"));
        }
        dangling = v == "true" || v == "1";
      }
    } else if (key == "before" || key == "since") {
      for (const std::string& v : values) {
        BERTH_ASSIGN_OR_RETURN(v1::Image named, imaged_.InspectImage(v));
        std::optional<int64_t>& bound = key == "before" ? before : since;
        // Several values: the widest window (dockerd keeps the last; any is fine).
        bound = key == "before" ? std::max(bound.value_or(0), CreatedNanos(named))
                                : std::min(bound.value_or(INT64_MAX), CreatedNanos(named));
      }
    } else if (key != "reference" && key != "label") {
      return absl::InvalidArgumentError(absl::StrCat("invalid filter '", key, "'"));
    }
  }
  BERTH_ASSIGN_OR_RETURN(std::vector<v1::Image> images, imaged_.ListImages(all));
  auto values_of = [&](const std::string& key) -> const std::vector<std::string>* {
    auto it = filters.find(key);
    return it == filters.end() ? nullptr : &it->second;
  };
  std::vector<v1::Image> out;
  for (v1::Image& image : images) {
    if (dangling.has_value() && image.repo_tags().empty() != *dangling) continue;
    if (before.has_value() && CreatedNanos(image) >= *before) continue;
    if (since.has_value() && CreatedNanos(image) <= *since) continue;
    if (const auto* labels = values_of("label")) {
      bool all_match = true;
      for (const std::string& l : *labels) all_match = all_match && LabelMatches(image.config().labels(), l);
      if (!all_match) continue;
    }
    if (const auto* patterns = values_of("reference")) {
      std::vector<std::string> kept;
      for (const std::string& tag : image.repo_tags()) {
        for (const std::string& pattern : *patterns) {
          if (ReferenceMatches(pattern, tag)) {
            kept.push_back(tag);
            break;
          }
        }
      }
      if (kept.empty()) continue;
      image.mutable_repo_tags()->Assign(kept.begin(), kept.end());
    }
    out.push_back(std::move(image));
  }
  return out;
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
