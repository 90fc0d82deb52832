#include "services/netd/netd_service.h"

#include "common/grpc/grpc_status.h"

namespace berth::netd {
namespace {

void ToProto(const EndpointRecord& record, berth::v1::NetworkSummary* summary) {
  summary->set_mode(record.mode);
  summary->set_sandbox_key(record.netns_path);
  if (record.mode == "bridge") {
    berth::v1::EndpointInfo* endpoint = summary->add_endpoints();
    endpoint->set_network("bridge");
    endpoint->set_network_id(record.network_id);
    endpoint->set_endpoint_id(record.endpoint_id);
    endpoint->set_ip_address(record.ip_address);
    endpoint->set_prefix_len(record.prefix_len);
    endpoint->set_gateway(record.gateway);
    endpoint->set_mac_address(record.mac_address);
  }
  for (const ports::PortSpec& port : record.ports) {
    berth::v1::PortBinding* binding = summary->add_ports();
    binding->set_container_port(port.container_port);
    binding->set_protocol(port.protocol);
    binding->set_host_ip(port.host_ip);
    binding->set_host_port(port.host_port);
  }
}

}  // namespace

grpc::Status NetdService::Attach(grpc::ServerContext*, const berth::v1::AttachRequest* request,
                                 berth::v1::AttachResponse* response) {
  AttachParams params;
  params.container_id = request->container_id();
  params.container_name = request->container_name();
  params.network_mode = request->network_mode();
  params.hostname = request->hostname();
  params.aliases.assign(request->aliases().begin(), request->aliases().end());
  for (const berth::v1::PortBinding& binding : request->port_bindings()) {
    params.ports.push_back(
        {binding.protocol(), binding.host_ip(), binding.host_port(), binding.container_port()});
  }
  auto result = manager_.Attach(params);
  if (!result.ok()) return ToGrpcStatus(result.status());
  ToProto(result->endpoint, response->mutable_summary());
  response->set_resolv_conf(result->resolv_conf);
  response->set_hosts(result->hosts);
  response->set_created(result->created);
  return grpc::Status::OK;
}

grpc::Status NetdService::Detach(grpc::ServerContext*, const berth::v1::DetachRequest* request,
                                 berth::v1::DetachResponse*) {
  return ToGrpcStatus(manager_.Detach(request->container_id()));
}

grpc::Status NetdService::ListEndpoints(grpc::ServerContext*,
                                        const berth::v1::ListEndpointsRequest*,
                                        berth::v1::ListEndpointsResponse* response) {
  for (const std::string& id : manager_.ListEndpoints()) response->add_container_ids(id);
  return grpc::Status::OK;
}

grpc::Status NetdService::ListNetworks(grpc::ServerContext*, const berth::v1::ListNetworksRequest*,
                                       berth::v1::ListNetworksResponse* response) {
  for (const NetworkInfo& info : manager_.ListNetworks()) {
    berth::v1::Network* network = response->add_networks();
    network->set_id(info.id);
    network->set_name(info.name);
    network->set_driver(info.driver);
    network->set_subnet(info.subnet);
    network->set_gateway(info.gateway);
    network->set_bridge(info.bridge);
  }
  return grpc::Status::OK;
}

}  // namespace berth::netd
