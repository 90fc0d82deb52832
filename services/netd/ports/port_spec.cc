#include "services/netd/ports/port_spec.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/netd/ipam/ipv4.h"

namespace berth::netd::ports {

absl::StatusOr<PortSpec> Normalize(const std::string& protocol, const std::string& host_ip,
                                   uint32_t host_port, uint32_t container_port) {
  PortSpec spec;
  spec.protocol = protocol.empty() ? "tcp" : absl::AsciiStrToLower(protocol);
  if (spec.protocol != "tcp" && spec.protocol != "udp") {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid protocol '", protocol, "' for published port: want tcp or udp"));
  }
  if (container_port == 0 || container_port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid container port ", container_port, ": want 1..65535"));
  }
  if (host_port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid host port ", host_port, ": want 0..65535"));
  }
  if (absl::StrContains(host_ip, ":")) {
    return absl::UnimplementedError(
        absl::StrCat("publishing on IPv6 address '", host_ip, "' is not implemented"));
  }
  if (!host_ip.empty() && host_ip != "0.0.0.0") {
    if (!ipam::ParseIpv4(host_ip).ok()) {
      return absl::InvalidArgumentError(absl::StrCat("invalid host IP '", host_ip, "'"));
    }
    spec.host_ip = host_ip;
  }
  spec.host_port = static_cast<uint16_t>(host_port);
  spec.container_port = static_cast<uint16_t>(container_port);
  return spec;
}

bool Conflicts(const PortSpec& a, const PortSpec& b) {
  return a.protocol == b.protocol && a.host_port == b.host_port &&
         (a.host_ip.empty() || b.host_ip.empty() || a.host_ip == b.host_ip);
}

std::string DisplayHostIp(const PortSpec& spec) {
  return spec.host_ip.empty() ? "0.0.0.0" : spec.host_ip;
}

absl::Status PortAlreadyAllocated(const PortSpec& spec) {
  return absl::AlreadyExistsError(absl::StrCat(
      "Bind for ", DisplayHostIp(spec), ":", spec.host_port, " failed: port is already allocated"));
}

absl::Status CheckConflicts(const std::vector<PortSpec>& requested,
                            const std::vector<PortSpec>& published) {
  for (size_t i = 0; i < requested.size(); ++i) {
    const PortSpec& spec = requested[i];
    if (spec.host_port == 0) continue;
    for (const PortSpec& other : published) {
      if (Conflicts(spec, other)) return PortAlreadyAllocated(spec);
    }
    for (size_t j = 0; j < i; ++j) {
      if (Conflicts(spec, requested[j])) return PortAlreadyAllocated(spec);
    }
  }
  return absl::OkStatus();
}

}  // namespace berth::netd::ports
