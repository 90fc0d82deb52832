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
  grpc::Status InspectNetwork(grpc::ServerContext* context,
                              const berth::v1::InspectNetworkRequest* request,
                              berth::v1::Network* response) override;
  grpc::Status CreateNetwork(grpc::ServerContext* context,
                             const berth::v1::CreateNetworkRequest* request,
                             berth::v1::Network* response) override;
  grpc::Status RemoveNetwork(grpc::ServerContext* context,
                             const berth::v1::RemoveNetworkRequest* request,
                             berth::v1::RemoveNetworkResponse* response) override;
  grpc::Status ConnectNetwork(grpc::ServerContext* context,
                              const berth::v1::ConnectNetworkRequest* request,
                              berth::v1::ConnectNetworkResponse* response) override;
  grpc::Status DisconnectNetwork(grpc::ServerContext* context,
                                 const berth::v1::DisconnectNetworkRequest* request,
                                 berth::v1::DisconnectNetworkResponse* response) override;
  grpc::Status GetEndpoint(grpc::ServerContext* context,
                           const berth::v1::GetEndpointRequest* request,
                           berth::v1::GetEndpointResponse* response) override;
  grpc::Status RenameEndpoint(grpc::ServerContext* context,
                              const berth::v1::RenameEndpointRequest* request,
                              berth::v1::RenameEndpointResponse* response) override;

 private:
  NetworkManager& manager_;
  grpc::Status Events(grpc::ServerContext* context, const berth::v1::EventsRequest* request,
                      grpc::ServerWriter<berth::v1::Event>* writer) override;

};

}  // namespace berth::netd
