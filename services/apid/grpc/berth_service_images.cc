// The image methods of berth.v1.Berth added with save/load, history, prune
// and search: each translates and calls one ImageService method.
#include "common/grpc/grpc_status.h"
#include "services/apid/grpc/berth_service.h"
#include "services/apid/grpc/image_streams.h"

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
  return ToGrpcStatus(images_->Save(*req, SinkOf(writer), ctx));
}

grpc::Status BerthService::LoadImages(grpc::ServerContext* ctx,
                                      grpc::ServerReader<v1::LoadImagesRequest>* reader,
                                      v1::LoadImagesResponse* resp) {
  return ReplyWith(images_->Load(ChunksOf<v1::LoadImagesRequest>(reader), ctx), resp);
}

grpc::Status BerthService::ImageHistory(grpc::ServerContext*, const v1::ImageHistoryRequest* req,
                                        v1::ImageHistoryResponse* resp) {
  return ReplyWith(images_->History(req->reference()), resp);
}

grpc::Status BerthService::PruneImages(grpc::ServerContext*, const v1::PruneImagesRequest* req,
                                       v1::PruneImagesResponse* resp) {
  return ReplyWith(images_->Prune(*req), resp);
}

grpc::Status BerthService::SearchImages(grpc::ServerContext*, const v1::SearchImagesRequest* req,
                                        v1::SearchImagesResponse* resp) {
  return ReplyWith(images_->Search(*req), resp);
}

grpc::Status BerthService::Login(grpc::ServerContext*, const v1::LoginRequest* req,
                                 v1::LoginResponse* resp) {
  return ReplyWith(images_->Login(*req), resp);
}

}  // namespace berth::apid
