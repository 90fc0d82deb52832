#pragma once

#include "berth/v1/netd.grpc.pb.h"
#include "services/netd/network_manager.h"

namespace berth::netd {

// gRPC adapter of NetworkService: converts protos to domain types, forwards
// to NetworkManager and maps Status to grpc::Status. No logic of its own.
class NetdService final : public berth::v1::NetworkService::Service {
 public:
  explicit NetdService(NetworkManager& manager) : manager_(manager) {}

  grpc::Status Attach(grpc::ServerContext* context, const berth::v1::AttachRequest* request,
                      berth::v1::AttachResponse* response) override;
  grpc::Status Detach(grpc::ServerContext* context, const berth::v1::DetachRequest* request,
                      berth::v1::DetachResponse* response) override;
  grpc::Status ListEndpoints(grpc::ServerContext* context,
                             const berth::v1::ListEndpointsRequest* request,
                             berth::v1::ListEndpointsResponse* response) override;
  grpc::Status ListNetworks(grpc::ServerContext* context,
                            const berth::v1::ListNetworksRequest* request,
                            berth::v1::ListNetworksResponse* response) override;

 private:
  NetworkManager& manager_;
};

}  // namespace berth::netd
