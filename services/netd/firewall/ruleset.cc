#include "services/netd/firewall/ruleset.h"

#include <algorithm>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace berth::netd::firewall {
namespace {

// "ip daddr 127.0.0.1 " or "fib daddr type local ": which destination
// addresses a published port answers on.
std::string DestinationMatch(const PortRule& rule) {
  if (rule.host_ip.empty() || rule.host_ip == "0.0.0.0") return "fib daddr type local ";
  return absl::StrCat("ip daddr ", rule.host_ip, " ");
}

std::string DnatRule(const PortRule& rule) {
  return absl::StrCat("\t\t", DestinationMatch(rule), rule.protocol, " dport ", rule.host_port,
                      " dnat to ", rule.container_ip, ":", rule.container_port, "\n");
}

std::string Quote(const std::string& name) { return absl::StrCat("\"", name, "\""); }

std::string RenderIpTable(const RulesetSpec& spec) {
  std::vector<PortRule> ports = spec.ports;
  std::sort(ports.begin(), ports.end(), [](const PortRule& a, const PortRule& b) {
    return std::tie(a.protocol, a.host_port, a.host_ip, a.container_ip, a.container_port) <
           std::tie(b.protocol, b.host_port, b.host_ip, b.container_ip, b.container_port);
  });
  // Loopback-published ports are DNATed only for the host's own connections:
  // in prerouting they would be reachable from anything that can route a
  // packet to 127.0.0.1 through the host (the guard chain drops those too;
  // this keeps each rule correct on its own).
  std::string outside_dnat;
  std::string local_dnat;
  for (const PortRule& rule : ports) {
    if (!IsLoopbackHostIp(rule.host_ip)) outside_dnat += DnatRule(rule);
    local_dnat += DnatRule(rule);
  }

  std::string out = absl::StrCat("table ip ", spec.table, " {\n");
  // Only this stack's bridges have route_localnet=1; on every other
  // interface the kernel already drops 127.0.0.0/8 as martian. Matching the
  // bridges (not "every interface but lo") keeps stacks side by side
  // independent.
  absl::StrAppend(&out, "\tchain guard {\n",
                  "\t\ttype filter hook prerouting priority raw; policy accept;\n");
  for (const BridgeNetwork& network : spec.networks) {
    const std::string bridge = Quote(network.bridge);
    absl::StrAppend(&out, "\t\tiifname ", bridge, " ip daddr 127.0.0.0/8 drop\n",
                    "\t\tiifname ", bridge, " ip saddr 127.0.0.0/8 drop\n");
  }
  absl::StrAppend(&out, "\t}\n");
  absl::StrAppend(&out, "\tchain prerouting {\n",
                  "\t\ttype nat hook prerouting priority dstnat; policy accept;\n", outside_dnat,
                  "\t}\n");
  absl::StrAppend(&out, "\tchain output {\n",
                  "\t\ttype nat hook output priority -100; policy accept;\n", local_dnat, "\t}\n");
  absl::StrAppend(&out, "\tchain postrouting {\n",
                  "\t\ttype nat hook postrouting priority srcnat; policy accept;\n");
  for (const BridgeNetwork& network : spec.networks) {
    const std::string bridge = Quote(network.bridge);
    if (!network.internal) {
      absl::StrAppend(&out, "\t\tip saddr ", network.subnet.ToString(), " oifname != ", bridge,
                      " masquerade\n");
    }
    // A container reaching a published port of its own network through a
    // host address (hairpin): DNATed back into the bridge, masqueraded so
    // the reply returns through the host. Matched by source, not iifname:
    // with br_netfilter a DNAT back into the same bridge is bridged, and the
    // bridge's postrouting hook has no input device.
    absl::StrAppend(&out, "\t\tip saddr 127.0.0.0/8 oifname ", bridge, " masquerade\n",
                    "\t\tip saddr ", network.subnet.ToString(), " oifname ", bridge,
                    " ct status dnat masquerade\n");
  }
  absl::StrAppend(&out, "\t}\n");
  absl::StrAppend(&out, "\tchain forward {\n",
                  "\t\ttype filter hook forward priority filter; policy accept;\n");
  for (const BridgeNetwork& network : spec.networks) {
    if (!network.internal) continue;
    const std::string bridge = Quote(network.bridge);
    absl::StrAppend(&out, "\t\tiifname ", bridge, " oifname != ", bridge, " drop\n");
  }
  for (const BridgeNetwork& network : spec.networks) {
    const std::string bridge = Quote(network.bridge);
    absl::StrAppend(&out, "\t\tiifname ", bridge, " oifname ", bridge, " accept\n",
                    "\t\toifname ", bridge, " ct state established,related accept\n",
                    "\t\toifname ", bridge, " ct status dnat accept\n", "\t\toifname ", bridge,
                    " drop\n");
  }
  absl::StrAppend(&out, "\t}\n");
  absl::StrAppend(&out, "}\n");
  return out;
}

std::string RenderBridgeTable(const RulesetSpec& spec) {
  std::vector<PortGuard> guards = spec.guards;
  std::sort(guards.begin(), guards.end(), [](const PortGuard& a, const PortGuard& b) {
    return std::tie(a.veth, a.mac, a.ip) < std::tie(b.veth, b.mac, b.ip);
  });
  std::string out = absl::StrCat("table bridge ", spec.table, " {\n");
  // Priority filter (-200) runs before br_netfilter (0), so a spoofed frame
  // never reaches the IP hooks, the host's stack or another port.
  absl::StrAppend(&out, "\tchain ports {\n",
                  "\t\ttype filter hook prerouting priority filter; policy accept;\n");
  if (!guards.empty()) {
    std::vector<std::string> names;
    for (const PortGuard& guard : guards) names.push_back(Quote(guard.veth));
    const std::string ports = absl::StrCat("{ ", absl::StrJoin(names, ", "), " }");
    absl::StrAppend(&out, "\t\tiifname ", ports, " icmpv6 type nd-router-advert drop\n");
    for (const PortGuard& guard : guards) {
      const std::string from = absl::StrCat("\t\tiifname ", Quote(guard.veth), " ether saddr ",
                                            guard.mac, " ");
      absl::StrAppend(&out, from, "ip saddr ", guard.ip, " accept\n");
      absl::StrAppend(&out, from, "arp saddr ether ", guard.mac, " arp saddr ip ", guard.ip,
                      " accept\n");
      // No IPv6 addresses are assigned (link-local only); pinning the MAC is
      // what keeps a port from speaking for another over IPv6.
      absl::StrAppend(&out, from, "ether type ip6 accept\n");
    }
    absl::StrAppend(&out, "\t\tiifname ", ports, " drop\n");
  }
  absl::StrAppend(&out, "\t}\n}\n");
  return out;
}

}  // namespace

bool IsLoopbackHostIp(const std::string& host_ip) {
  auto ip = ipam::ParseIpv4(host_ip);
  return ip.ok() && (*ip >> 24) == 127;
}

std::string RenderRuleset(const RulesetSpec& spec) {
  return absl::StrCat(RenderDeleteTable(spec.table), RenderIpTable(spec),
                      RenderBridgeTable(spec));
}

std::string RenderDeleteTable(const std::string& table) {
  return absl::StrCat("add table ip ", table, "\ndelete table ip ", table, "\nadd table bridge ",
                      table, "\ndelete table bridge ", table, "\n");
}

}  // namespace berth::netd::firewall
