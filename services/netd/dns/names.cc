#include "services/netd/dns/names.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "services/netd/ipam/ipv4.h"

namespace berth::netd::dns {
namespace {

bool Matches(const EndpointRecord& record, const InterfaceRecord& iface, const std::string& name) {
  if (absl::AsciiStrToLower(record.container_name) == name) return true;
  if (record.container_id.size() >= 12 && record.container_id.substr(0, 12) == name) return true;
  return std::any_of(iface.aliases.begin(), iface.aliases.end(),
                     [&](const std::string& a) { return absl::AsciiStrToLower(a) == name; });
}

}  // namespace

NameAnswer ResolveName(const std::map<std::string, EndpointRecord>& endpoints,
                       const std::set<std::string>& user_networks, const std::string& asker_id,
                       const std::string& name) {
  NameAnswer answer;
  auto asker = endpoints.find(asker_id);
  if (asker == endpoints.end() || name.empty()) return answer;
  const std::string wanted = absl::AsciiStrToLower(name);
  std::set<std::string> linked;  // containers `name` is a link alias of
  for (const EndpointRecord::DnsLink& link : asker->second.dns_links) {
    if (absl::AsciiStrToLower(link.alias) == wanted) linked.insert(link.container_id);
  }
  for (const InterfaceRecord& mine : asker->second.interfaces) {
    if (user_networks.count(mine.network_id) == 0) continue;
    for (const auto& [id, record] : endpoints) {
      const InterfaceRecord* theirs = record.InterfaceOn(mine.network_id);
      if (theirs == nullptr) continue;
      if (linked.count(id) == 0 && !Matches(record, *theirs, wanted)) continue;
      answer.known = true;
      auto ip = ipam::ParseIpv4(theirs->ip_address);
      if (ip.ok()) answer.addresses.push_back(*ip);
    }
  }
  if (!answer.known && !asker->second.dns.servers.empty()) {
    answer.upstreams.emplace();
    for (const std::string& server : asker->second.dns.servers) {
      if (ipam::ParseIpv4(server).ok()) answer.upstreams->push_back(server);
    }
  }
  std::sort(answer.addresses.begin(), answer.addresses.end());
  answer.addresses.erase(std::unique(answer.addresses.begin(), answer.addresses.end()),
                         answer.addresses.end());
  return answer;
}

}  // namespace berth::netd::dns
