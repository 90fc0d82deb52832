#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Published ports: validation, normalization and conflict rules. Pure.
namespace berth::netd::ports {

// A normalized published port.
struct PortSpec {
  std::string protocol;    // "tcp" or "udp"
  std::string host_ip;     // "" = every address (0.0.0.0); else a dotted quad
  uint16_t host_port = 0;  // 0 only before a port is picked
  uint16_t container_port = 0;
  bool operator==(const PortSpec&) const = default;
};

// Validates and normalizes one requested binding: protocol "" means "tcp"
// and is case-insensitive; host_ip "0.0.0.0" becomes ""; container_port must
// be 1..65535 and host_port 0..65535 (0 = pick a free one). InvalidArgument
// naming the bad value; Unimplemented for an IPv6 host address.
absl::StatusOr<PortSpec> Normalize(const std::string& protocol, const std::string& host_ip,
                                   uint32_t host_port, uint32_t container_port);

// True when two bindings claim the same host socket: same protocol and host
// port, and the same address or one of them binds every address.
bool Conflicts(const PortSpec& a, const PortSpec& b);

// "0.0.0.0" for an any-address binding, else host_ip.
std::string DisplayHostIp(const PortSpec& spec);

// Docker's error for a taken port, word for word, because clients show it:
// AlreadyExists "Bind for 0.0.0.0:8080 failed: port is already allocated".
absl::Status PortAlreadyAllocated(const PortSpec& spec);

// Returns AlreadyExists (PortAlreadyAllocated) if a fixed host port in
// `requested` conflicts with one in `published` or with an earlier entry of
// `requested` itself. Entries with host_port 0 are not checked (they get a
// free port later).
absl::Status CheckConflicts(const std::vector<PortSpec>& requested,
                            const std::vector<PortSpec>& published);

}  // namespace berth::netd::ports
