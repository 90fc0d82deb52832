#include "services/netd/netd_service.h"

#include "common/events/event_service.h"
#include "common/grpc/grpc_status.h"

namespace berth::netd {
namespace {

void ToProto(const EndpointRecord& record, berth::v1::NetworkSummary* summary) {
  summary->set_mode(record.mode);
  summary->set_sandbox_key(record.netns_path);
  for (const InterfaceRecord& iface : record.interfaces) {
    berth::v1::EndpointInfo* endpoint = summary->add_endpoints();
    endpoint->set_network(iface.network_name);
    endpoint->set_network_id(iface.network_id);
    endpoint->set_endpoint_id(iface.endpoint_id);
    endpoint->set_ip_address(iface.ip_address);
    endpoint->set_prefix_len(iface.prefix_len);
    endpoint->set_gateway(iface.gateway);
    endpoint->set_mac_address(iface.mac_address);
    for (const std::string& alias : iface.aliases) endpoint->add_aliases(alias);
    endpoint->set_ifname(iface.ifname);
  }
  for (const ports::PortSpec& port : record.ports) {
    berth::v1::PortBinding* binding = summary->add_ports();
    binding->set_container_port(port.container_port);
    binding->set_protocol(port.protocol);
    binding->set_host_ip(port.host_ip);
    binding->set_host_port(port.host_port);
  }
}

void ToProto(const NetworkInfo& info, berth::v1::Network* network) {
  network->set_id(info.id);
  network->set_name(info.name);
  network->set_driver(info.driver);
  network->set_subnet(info.subnet);
  network->set_gateway(info.gateway);
  network->set_bridge(info.bridge);
  network->set_ip_range(info.ip_range);
  network->set_internal(info.internal);
  network->set_attachable(info.attachable);
  network->mutable_labels()->insert(info.labels.begin(), info.labels.end());
  network->mutable_options()->insert(info.options.begin(), info.options.end());
  network->set_created(info.created);
  network->set_predefined(info.predefined);
  for (const NetworkMember& member : info.containers) {
    berth::v1::NetworkMember* out = network->add_containers();
    out->set_container_id(member.container_id);
    out->set_container_name(member.container_name);
    out->set_endpoint_id(member.endpoint_id);
    out->set_mac_address(member.mac_address);
    out->set_ipv4_address(member.ipv4_address);
  }
}

NetworkRequest FromProto(const berth::v1::NetworkEndpointSettings& settings) {
  return NetworkRequest{settings.network(),
                        {settings.aliases().begin(), settings.aliases().end()},
                        settings.ipv4_address(),
                        ""};
}

}  // namespace

grpc::Status NetdService::Attach(grpc::ServerContext*, const berth::v1::AttachRequest* request,
                                 berth::v1::AttachResponse* response) {
  AttachParams params;
  params.container_id = request->container_id();
  params.container_name = request->container_name();
  params.network_mode = request->network_mode().empty() || request->network_mode() == "default"
                            ? std::string("bridge")
                            : request->network_mode();
  params.hostname = request->hostname();
  params.aliases.assign(request->aliases().begin(), request->aliases().end());
  for (const berth::v1::PortBinding& binding : request->port_bindings()) {
    params.ports.push_back({binding.protocol(), binding.host_ip(), binding.host_port(),
                            binding.container_port(), binding.host_port_end()});
  }
  for (const berth::v1::NetworkEndpointSettings& settings : request->networks()) {
    params.networks.push_back(FromProto(settings));
  }
  const berth::v1::ContainerNetworkOptions& options = request->options();
  params.dns.servers.assign(options.dns().begin(), options.dns().end());
  params.dns.search.assign(options.dns_search().begin(), options.dns_search().end());
  params.dns.options.assign(options.dns_options().begin(), options.dns_options().end());
  params.extra_hosts.assign(options.extra_hosts().begin(), options.extra_hosts().end());
  for (const berth::v1::ContainerLink& link : request->links()) {
    params.links.push_back({link.container_id(), link.names()});
  }
  if (!options.mac_address().empty()) {
    // eth0's MAC: the entry of the network_mode network, or a new one.
    NetworkRequest* primary = nullptr;
    for (NetworkRequest& network : params.networks) {
      if (network.network == params.network_mode) primary = &network;
    }
    if (primary == nullptr) {
      params.networks.push_back({params.network_mode, {}, "", ""});
      primary = &params.networks.back();
    }
    primary->mac_address = options.mac_address();
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
  for (const NetworkInfo& info : manager_.ListNetworks()) ToProto(info, response->add_networks());
  return grpc::Status::OK;
}

grpc::Status NetdService::InspectNetwork(grpc::ServerContext*,
                                         const berth::v1::InspectNetworkRequest* request,
                                         berth::v1::Network* response) {
  auto info = manager_.InspectNetwork(request->network());
  if (!info.ok()) return ToGrpcStatus(info.status());
  ToProto(*info, response);
  return grpc::Status::OK;
}

grpc::Status NetdService::CreateNetwork(grpc::ServerContext*,
                                        const berth::v1::CreateNetworkRequest* request,
                                        berth::v1::Network* response) {
  CreateNetworkParams params;
  params.name = request->name();
  params.driver = request->driver();
  params.subnet = request->subnet();
  params.gateway = request->gateway();
  params.ip_range = request->ip_range();
  params.internal = request->internal();
  params.attachable = request->attachable();
  params.labels.insert(request->labels().begin(), request->labels().end());
  params.options.insert(request->options().begin(), request->options().end());
  auto info = manager_.CreateNetwork(params);
  if (!info.ok()) return ToGrpcStatus(info.status());
  ToProto(*info, response);
  return grpc::Status::OK;
}

grpc::Status NetdService::RemoveNetwork(grpc::ServerContext*,
                                        const berth::v1::RemoveNetworkRequest* request,
                                        berth::v1::RemoveNetworkResponse*) {
  return ToGrpcStatus(manager_.RemoveNetwork(request->network()));
}

grpc::Status NetdService::ConnectNetwork(grpc::ServerContext*,
                                         const berth::v1::ConnectNetworkRequest* request,
                                         berth::v1::ConnectNetworkResponse* response) {
  auto record = manager_.Connect({request->container_id(), FromProto(request->settings())});
  if (!record.ok()) return ToGrpcStatus(record.status());
  ToProto(*record, response->mutable_summary());
  return grpc::Status::OK;
}

grpc::Status NetdService::DisconnectNetwork(grpc::ServerContext*,
                                            const berth::v1::DisconnectNetworkRequest* request,
                                            berth::v1::DisconnectNetworkResponse* response) {
  auto record = manager_.Disconnect(request->container_id(), request->network());
  if (!record.ok()) return ToGrpcStatus(record.status());
  ToProto(*record, response->mutable_summary());
  return grpc::Status::OK;
}

grpc::Status NetdService::GetEndpoint(grpc::ServerContext*,
                                      const berth::v1::GetEndpointRequest* request,
                                      berth::v1::GetEndpointResponse* response) {
  auto record = manager_.GetEndpoint(request->container_id());
  if (!record.ok()) return ToGrpcStatus(record.status());
  ToProto(*record, response->mutable_summary());
  return grpc::Status::OK;
}

grpc::Status NetdService::Events(grpc::ServerContext* context,
                                 const berth::v1::EventsRequest* request,
                                 grpc::ServerWriter<berth::v1::Event>* writer) {
  return events::ServeEvents(manager_.events(), context, *request, writer);
}

grpc::Status NetdService::RenameEndpoint(grpc::ServerContext*,
                                         const berth::v1::RenameEndpointRequest* request,
                                         berth::v1::RenameEndpointResponse*) {
  return ToGrpcStatus(manager_.RenameEndpoint(request->container_id(), request->name()));
}

}  // namespace berth::netd
