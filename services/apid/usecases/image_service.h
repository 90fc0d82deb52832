#pragma once

// Image workflows for both faces (REST /images/*, /auth; gRPC Berth.*Image*):
// list, inspect, remove, tag, history, prune, search, login, import, load,
// save, pull and push. imaged does the work; this layer owns driving its
// streams (uploads in order, progress relayed, the caller's cancellation
// passed on, a mid-stream failure reported once), so a face only translates
// its request and its answer.

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "berth/v1/imaged.pb.h"
#include "services/apid/clients/clients.h"

namespace berth::apid {

// Where a streamed answer goes. `write` returns false when the receiver is
// gone (the work is then cancelled). `cancellable`, when set, is called with
// a function that cancels the work from any thread before the first message,
// and with nullptr after the last: a face arms its disconnect watch with it.
template <typename T>
struct StreamSink {
  std::function<bool(const T&)> write;
  std::function<void(std::function<void()>)> cancellable;
};

// The next piece of an upload; "" at its end, an error when the sender failed.
using ChunkSource = std::function<absl::StatusOr<std::string>()>;

class ImageService {
 public:
  explicit ImageService(ImagedClient& imaged) : imaged_(imaged) {}

  // `docker images` with dockerd's filters: reference (glob on name:tag or
  // name; only matching tags are kept), dangling, label (key or key=value,
  // all must match), before and since (an image reference). Values of
  // reference/before/since are OR-ed; InvalidArgument for other keys.
  using Filters = std::map<std::string, std::vector<std::string>>;
  absl::StatusOr<std::vector<v1::Image>> List(bool all, const Filters& filters = {});
  // NOT_FOUND "No such image: <ref>".
  absl::StatusOr<v1::Image> Inspect(const std::string& reference);
  // FAILED_PRECONDITION while a container uses it, unless forced.
  absl::StatusOr<v1::RemoveImageResponse> Remove(const std::string& reference, bool force);
  absl::Status Tag(const std::string& source, const std::string& target);
  absl::StatusOr<v1::ImageHistoryResponse> History(const std::string& reference);
  absl::StatusOr<v1::PruneImagesResponse> Prune(const v1::PruneImagesRequest& request);
  absl::StatusOr<v1::SearchImagesResponse> Search(const v1::SearchImagesRequest& request);
  // Verifies credentials with the registry; nothing is stored.
  absl::StatusOr<v1::LoginResponse> Login(const v1::LoginRequest& request);

  // `docker import`: `first` (the options) then the chunks of `source`. A
  // source error cancels the import and is returned.
  absl::StatusOr<v1::ImportImageResponse> Import(const v1::ImportImageRequest& first,
                                                 const ChunkSource& source,
                                                 const grpc::ServerContextBase* parent);
  // `docker load`: the archive's chunks from `source`.
  absl::StatusOr<v1::LoadImagesResponse> Load(const ChunkSource& source,
                                              const grpc::ServerContextBase* parent);
  // `docker save`: the archive to `sink`. The result is imaged's outcome
  // (CANCELLED when the receiver went away).
  absl::Status Save(const v1::SaveImagesRequest& request,
                    const StreamSink<v1::SaveImagesChunk>& sink,
                    const grpc::ServerContextBase* parent);
  // `docker pull` / `docker push`: Docker's progress messages to `sink`.
  absl::Status Pull(const v1::PullImageRequest& request,
                    const StreamSink<v1::ProgressMessage>& sink,
                    const grpc::ServerContextBase* parent);
  absl::Status Push(const v1::PushImageRequest& request,
                    const StreamSink<v1::ProgressMessage>& sink,
                    const grpc::ServerContextBase* parent);

 private:
  template <typename T>
  absl::Status Relay(std::unique_ptr<ReadStream<T>> stream, const StreamSink<T>& sink,
                     const std::string& what);
  template <typename Stream, typename Message>
  auto Upload(std::unique_ptr<Stream> stream, const ChunkSource& source,
              const std::function<Message(std::string)>& wrap, const std::string& what)
      -> decltype(stream->Finish());

  ImagedClient& imaged_;
};

}  // namespace berth::apid
