#pragma once

// Docker's network JSON: the inspect/list object, and the bodies of
// POST /networks/create, /connect and /disconnect.

#include <string>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "berth/v1/netd.pb.h"

namespace berth::apid::rest {

// The object GET /networks lists and GET /networks/{id} returns: Name, Id,
// Created, Scope, Driver, EnableIPv6, IPAM, Internal, Attachable, Ingress,
// ConfigFrom, ConfigOnly, Containers, Options, Labels.
nlohmann::ordered_json NetworkJson(const v1::Network& network);

// POST /networks/create. InvalidArgument naming a field Berth does not
// support when it is set (EnableIPv6, Ingress, a second IPAM config, IPAM
// driver, AuxiliaryAddresses, Scope, ConfigOnly, ConfigFrom); unknown keys
// are ignored, as dockerd does.
absl::StatusOr<v1::CreateNetworkRequest> ParseNetworkCreate(const std::string& body);

struct ConnectBody {
  std::string container;
  v1::NetworkEndpointSettings settings;  // aliases and IPv4 address
  bool force = false;                    // disconnect only
};

// POST /networks/{id}/connect and /disconnect.
absl::StatusOr<ConnectBody> ParseConnectBody(const std::string& body);

}  // namespace berth::apid::rest
