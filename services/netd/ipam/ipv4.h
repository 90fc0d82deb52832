#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

// IPv4 addresses and subnets as plain integers (host byte order), so that IPAM
// arithmetic stays trivial and testable. Pure: no I/O.
namespace berth::netd::ipam {

// Parses dotted-quad "a.b.c.d". InvalidArgument on anything else.
absl::StatusOr<uint32_t> ParseIpv4(const std::string& text);

// Formats an address as dotted-quad.
std::string FormatIpv4(uint32_t address);

// An IPv4 subnet "network/prefix_len" whose host bits are zero.
struct Ipv4Subnet {
  uint32_t network = 0;
  int prefix_len = 0;

  uint32_t mask() const { return prefix_len == 0 ? 0 : ~uint32_t{0} << (32 - prefix_len); }
  uint32_t broadcast() const { return network | ~mask(); }
  // Docker's convention: the gateway is the first host address.
  uint32_t gateway() const { return network + 1; }
  bool Contains(uint32_t address) const { return (address & mask()) == network; }
  // "172.29.0.0/16".
  std::string ToString() const;
  bool operator==(const Ipv4Subnet&) const = default;
};

// Parses "a.b.c.d/n". The prefix must be 8..30 (a bridge network needs a
// gateway and at least one container address) and the host bits must be zero,
// so that "172.29.0.1/16" is rejected instead of silently meaning something else.
absl::StatusOr<Ipv4Subnet> ParseSubnet(const std::string& cidr);

// Docker's locally administered MAC for an address: 02:42 followed by the four
// address bytes, so a container's MAC is stable and readable.
std::string MacForIpv4(uint32_t address);

}  // namespace berth::netd::ipam
