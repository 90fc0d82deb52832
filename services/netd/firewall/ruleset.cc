#include "services/netd/firewall/ruleset.h"

#include <algorithm>
#include <tuple>

#include "absl/strings/str_cat.h"

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

}  // namespace

std::string RenderRuleset(const RulesetSpec& spec) {
  std::vector<PortRule> ports = spec.ports;
  std::sort(ports.begin(), ports.end(), [](const PortRule& a, const PortRule& b) {
    return std::tie(a.protocol, a.host_port, a.host_ip, a.container_ip, a.container_port) <
           std::tie(b.protocol, b.host_port, b.host_ip, b.container_ip, b.container_port);
  });
  std::string dnat;
  for (const PortRule& rule : ports) dnat += DnatRule(rule);

  const std::string subnet = spec.subnet.ToString();
  const std::string bridge = Quote(spec.bridge);
  std::string out = RenderDeleteTable(spec.table);
  absl::StrAppend(&out, "table ip ", spec.table, " {\n");
  absl::StrAppend(&out, "\tchain prerouting {\n",
                  "\t\ttype nat hook prerouting priority dstnat; policy accept;\n", dnat, "\t}\n");
  absl::StrAppend(&out, "\tchain output {\n",
                  "\t\ttype nat hook output priority -100; policy accept;\n", dnat, "\t}\n");
  absl::StrAppend(&out, "\tchain postrouting {\n",
                  "\t\ttype nat hook postrouting priority srcnat; policy accept;\n",
                  "\t\tip saddr ", subnet, " oifname != ", bridge, " masquerade\n",
                  "\t\tip saddr 127.0.0.0/8 oifname ", bridge, " masquerade\n", "\t\tiifname ",
                  bridge, " oifname ", bridge, " ct status dnat masquerade\n", "\t}\n");
  absl::StrAppend(&out, "\tchain forward {\n",
                  "\t\ttype filter hook forward priority filter; policy accept;\n", "\t\tiifname ",
                  bridge, " accept\n", "\t\toifname ", bridge, " accept\n", "\t}\n");
  absl::StrAppend(&out, "}\n");
  return out;
}

std::string RenderDeleteTable(const std::string& table) {
  return absl::StrCat("add table ip ", table, "\ndelete table ip ", table, "\n");
}

}  // namespace berth::netd::firewall
