// The image methods of berth.v1.Berth added with save/load, history, prune
// and search: straight forwards to imaged.
#include "common/grpc/grpc_status.h"
#include "services/apid/grpc/berth_service.h"

namespace berth::apid {
namespace {

template <typename T, typename Resp>
grpc::Status ReplyWith(absl::StatusOr<T> result, Resp* resp) {
  if (!result.ok()) return ToGrpcStatus(result.status());
  *resp = std::move(*result);
  return grpc::Status::OK;
}

}  // namespace

grpc::Status BerthService::SaveImages(grpc::ServerContext* ctx, const v1::SaveImagesRequest* req,
                                      grpc::ServerWriter<v1::SaveImagesChunk>* writer) {
  std::unique_ptr<ReadStream<v1::SaveImagesChunk>> stream = imaged_.SaveImages(*req, ctx);
  if (stream == nullptr) {
    return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "not implemented by imaged's client");
  }
  v1::SaveImagesChunk chunk;
  while (stream->Read(&chunk)) {
    if (!writer->Write(chunk)) {
      stream->Cancel();
      break;
    }
  }
  return ToGrpcStatus(stream->Finish());
}

grpc::Status BerthService::LoadImages(grpc::ServerContext* ctx,
                                      grpc::ServerReader<v1::LoadImagesRequest>* reader,
                                      v1::LoadImagesResponse* resp) {
  std::unique_ptr<LoadStream> stream = imaged_.LoadImages(ctx);
  if (stream == nullptr) {
    return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "not implemented by imaged's client");
  }
  v1::LoadImagesRequest message;
  while (reader->Read(&message)) {
    if (!stream->Write(message)) break;  // imaged failed it; Finish() says why
  }
  return ReplyWith(stream->Finish(), resp);
}

grpc::Status BerthService::ImageHistory(grpc::ServerContext*, const v1::ImageHistoryRequest* req,
                                        v1::ImageHistoryResponse* resp) {
  return ReplyWith(imaged_.ImageHistory(req->reference()), resp);
}

grpc::Status BerthService::PruneImages(grpc::ServerContext*, const v1::PruneImagesRequest* req,
                                       v1::PruneImagesResponse* resp) {
  return ReplyWith(imaged_.PruneImages(*req), resp);
}

grpc::Status BerthService::SearchImages(grpc::ServerContext*, const v1::SearchImagesRequest* req,
                                        v1::SearchImagesResponse* resp) {
  return ReplyWith(imaged_.SearchImages(*req), resp);
}

grpc::Status BerthService::Login(grpc::ServerContext*, const v1::LoginRequest* req,
                                 v1::LoginResponse* resp) {
  return ReplyWith(imaged_.Login(*req), resp);
}

}  // namespace berth::apid
