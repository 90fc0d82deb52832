#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "services/netd/ipam/ipv4.h"

// Renders netd's whole nftables table as text. Pure, so every rule netd will
// ever load is covered by golden-string tests; NftApplier loads the result.
namespace berth::netd::firewall {

// One published port: traffic to host_ip:host_port goes to
// container_ip:container_port.
struct PortRule {
  std::string protocol;  // "tcp" or "udp"
  std::string host_ip;   // "" means every local address
  uint16_t host_port = 0;
  std::string container_ip;
  uint16_t container_port = 0;
};

struct RulesetSpec {
  std::string table;        // nft table name (family ip); netd never touches others
  std::string bridge;       // Linux bridge of the default network
  ipam::Ipv4Subnet subnet;  // the bridge's subnet
  std::vector<PortRule> ports;
};

// The table as one nft script that replaces any previous version of the table
// in a single transaction: "add table" makes the following "delete table"
// valid when the table does not exist yet, then the full table is declared.
// Port rules are sorted, so the same spec always renders the same text.
//
// Chains:
//  - prerouting (nat, dstnat): DNAT of published ports for traffic arriving
//    from outside or from containers;
//  - output (nat, -100): the same DNAT for connections made on the host itself,
//    including to 127.0.0.1 (this is what keeps ports answering while netd is
//    down: no userland proxy involved);
//  - postrouting (nat, srcnat): masquerade of container traffic leaving
//    through another interface, and of loopback-sourced traffic entering the
//    bridge (needs route_localnet=1 on the bridge), and of container-to-
//    container traffic DNATed back into the bridge (a container using
//    another's published port via a host address): the reply would
//    otherwise go straight over the bridge with the wrong source address;
//  - forward (filter): accepts traffic to and from the bridge. This does not
//    override a drop in another table's chain (nftables runs every base chain
//    of a hook), it only documents netd's intent when the host has no other
//    policy.
std::string RenderRuleset(const RulesetSpec& spec);

// A script that deletes `table` if it exists and does nothing otherwise.
std::string RenderDeleteTable(const std::string& table);

}  // namespace berth::netd::firewall
