#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "services/netd/ipam/ipv4.h"

// Picks subnets for networks created without --subnet. Pure: the caller
// passes every subnet that is taken (host routes, other networks).
namespace berth::netd::ipam {

// True when the two subnets share at least one address.
bool Overlaps(const Ipv4Subnet& a, const Ipv4Subnet& b);

// Docker's default local pools, in order: 172.17.0.0/16 .. 172.31.0.0/16,
// then 192.168.0.0/20 .. 192.168.240.0/20.
std::vector<Ipv4Subnet> DefaultCandidates();

// The first candidate that overlaps none of `taken`. A default route
// (prefix 0) in `taken` is ignored: it covers everything and says nothing
// about which addresses are in use. ResourceExhausted when every candidate
// overlaps something.
absl::StatusOr<Ipv4Subnet> ChooseSubnet(const std::vector<Ipv4Subnet>& candidates,
                                        const std::vector<Ipv4Subnet>& taken);

}  // namespace berth::netd::ipam
