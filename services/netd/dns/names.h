#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "services/netd/endpoint_store.h"

// Which names the embedded DNS answers for one asking container. Pure.
namespace berth::netd::dns {

struct NameAnswer {
  bool known = false;              // a name of a container sharing a user network
  std::vector<uint32_t> addresses;  // its IPv4 addresses there, sorted
  // For an unknown name: the asker's own --dns servers (IPv4 only; netd
  // forwards over IPv4), which replace netd's upstreams as in Docker;
  // nullopt when it has none.
  std::optional<std::vector<std::string>> upstreams;
};

// On every user network (`user_networks`, by id) the asking container has an
// interface on, each container with an interface there is known by its name,
// the first 12 characters of its id and its aliases on that network
// (case-insensitive, as DNS is). The default bridge has no embedded DNS, as
// in Docker. The asker's --link aliases (EndpointRecord::dns_links) are
// known to it alone, with the linked container's addresses on the user
// networks the two share.
NameAnswer ResolveName(const std::map<std::string, EndpointRecord>& endpoints,
                       const std::set<std::string>& user_networks, const std::string& asker_id,
                       const std::string& name);

}  // namespace berth::netd::dns
