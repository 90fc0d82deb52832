#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "services/netd/ipam/ipv4.h"

// Renders netd's nftables tables as text. Pure, so every rule netd will ever
// load is covered by golden-string tests; NftApplier loads the result.
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

// One container's port of the bridge: frames entering the bridge through the
// host-side veth `veth` must come from `mac`, and their IPv4 and ARP sender
// addresses must be `ip`.
struct PortGuard {
  std::string veth;
  std::string mac;
  std::string ip;
};

// One bridge network: its Linux bridge and subnet. An internal network's
// containers reach each other and the host, nothing beyond: no masquerade,
// nothing forwarded out of its bridge.
struct BridgeNetwork {
  std::string bridge;
  ipam::Ipv4Subnet subnet;
  bool internal = false;
};

struct RulesetSpec {
  std::string table;  // nft table name (families ip and bridge); netd never touches others
  // The default bridge first, then user networks (rendered in this order).
  std::vector<BridgeNetwork> networks;
  std::vector<PortRule> ports;
  std::vector<PortGuard> guards;
};

// True for a host IP in 127.0.0.0/8: a port published there is for the host
// alone, so its DNAT lives only in the output hook.
bool IsLoopbackHostIp(const std::string& host_ip);

// Both tables as one nft script that replaces any previous version of them in
// a single transaction: "add table" makes the following "delete table" valid
// when the table does not exist yet, then the full tables are declared. Port
// rules and guards are sorted, so the same spec always renders the same text.
//
// Table `ip <table>`:
//  - guard (filter, raw, prerouting): drops packets to or from 127.0.0.0/8
//    arriving on any interface but lo, before conntrack and routing. netd
//    needs route_localnet=1 on the bridge for loopback publishing (below),
//    which would otherwise let a container reach the host's 127.0.0.1
//    services (CVE-2020-8558). Replies of DNATed loopback connections are
//    not affected: at raw priority they still carry the gateway and
//    container addresses, conntrack rewrites them afterwards;
//  - prerouting (nat, dstnat): DNAT of ports published on non-loopback host
//    IPs, for traffic arriving from outside or from containers;
//  - output (nat, -100): DNAT of every published port for connections made
//    on the host itself, including to 127.0.0.1 (this is what keeps ports
//    answering while netd is down: no userland proxy involved);
//  - postrouting (nat, srcnat): masquerade of container traffic leaving
//    through another interface, and of loopback-sourced traffic entering the
//    bridge (needs route_localnet=1 on the bridge), and of container-to-
//    container traffic DNATed back into the bridge (a container using
//    another's published port via a host address): the reply would
//    otherwise go straight over the bridge with the wrong source address;
//  - forward (filter): traffic out of an internal network's bridge to any
//    other interface is dropped first. Then, per bridge: traffic between the
//    bridge's own ports (ICC, also through br_netfilter) passes; traffic into
//    the bridge from any other interface (the outside, the other networks'
//    bridges, which is what isolates networks from each other, other Berth
//    stacks' bridges) passes only when it belongs to a connection the
//    containers opened or was DNATed to a published port; everything else
//    into the bridge is dropped. Outbound
//    is left to the policy (accept). An accept here does not override a
//    drop in another table's chain (nftables runs every base chain of a
//    hook).
//
// Table `bridge <table>`:
//  - ports (filter, prerouting): per container port, ICMPv6 router
//    advertisements are dropped, and only frames from the port's own MAC
//    with its own IPv4 source, ARP sender MAC and IP, or IPv6 pass; every
//    other frame from a known port (spoofed addresses, other ethertypes,
//    VLAN tags) is dropped before the bridge or br_netfilter see it.
std::string RenderRuleset(const RulesetSpec& spec);

// A script that deletes both tables named `table` if they exist and does
// nothing otherwise.
std::string RenderDeleteTable(const std::string& table);

}  // namespace berth::netd::firewall
