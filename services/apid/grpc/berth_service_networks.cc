// The network methods of berth.v1.Berth: translation to NetworkService.
#include "common/grpc/grpc_status.h"
#include "services/apid/grpc/berth_service.h"
#include "services/apid/grpc/list_filters.h"

namespace berth::apid {

grpc::Status BerthService::ListNetworks(grpc::ServerContext*, const v1::ListNetworksApiRequest* req,
                                        v1::ListNetworksResponse* resp) {
  absl::StatusOr<std::vector<v1::Network>> networks = networks_.List(FilterMap(req->filters()));
  if (!networks.ok()) return ToGrpcStatus(networks.status());
  for (v1::Network& n : *networks) *resp->add_networks() = std::move(n);
  return grpc::Status::OK;
}

grpc::Status BerthService::InspectNetwork(grpc::ServerContext*,
                                          const v1::InspectNetworkRequest* req,
                                          v1::Network* resp) {
  absl::StatusOr<v1::Network> network = networks_.Inspect(req->network());
  if (!network.ok()) return ToGrpcStatus(network.status());
  *resp = std::move(*network);
  return grpc::Status::OK;
}

grpc::Status BerthService::CreateNetwork(grpc::ServerContext*, const v1::CreateNetworkRequest* req,
                                         v1::Network* resp) {
  absl::StatusOr<v1::Network> network = networks_.Create(*req);
  if (!network.ok()) return ToGrpcStatus(network.status());
  *resp = std::move(*network);
  return grpc::Status::OK;
}

grpc::Status BerthService::RemoveNetwork(grpc::ServerContext*, const v1::RemoveNetworkRequest* req,
                                         v1::RemoveNetworkResponse*) {
  return ToGrpcStatus(networks_.Remove(req->network()));
}

grpc::Status BerthService::ConnectNetwork(grpc::ServerContext*,
                                          const v1::ConnectNetworkApiRequest* req,
                                          v1::ConnectNetworkApiResponse*) {
  return ToGrpcStatus(networks_.Connect(req->network(), req->container(), req->settings()));
}

grpc::Status BerthService::DisconnectNetwork(grpc::ServerContext*,
                                             const v1::DisconnectNetworkApiRequest* req,
                                             v1::DisconnectNetworkApiResponse*) {
  return ToGrpcStatus(networks_.Disconnect(req->network(), req->container()));
}

}  // namespace berth::apid
