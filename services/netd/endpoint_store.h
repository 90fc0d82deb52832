#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/netd/dns_files.h"
#include "services/netd/ports/port_spec.h"

namespace berth::netd {

// Where an endpoint is in its life. A record is written as kCreating BEFORE
// any kernel object exists, so a crash in the middle of Attach leaves a
// record that tells Recover exactly what to undo (veth, netns, lease); it
// becomes kActive once everything is in place.
enum class EndpointState { kCreating, kActive };

// One interface of a container on a bridge network (eth0, eth1, ...).
struct InterfaceRecord {
  std::string network_id;
  std::string network_name;
  std::string ifname;  // inside the container
  std::string endpoint_id;
  std::vector<std::string> aliases;  // DNS names on this network (user networks)
  std::string ip_address;
  int prefix_len = 0;
  std::string gateway;  // the network's gateway (shown by inspect)
  bool default_route = false;  // the container's default route goes via gateway
  std::string mac_address;
  std::string host_veth;

  bool operator==(const InterfaceRecord&) const = default;
};

// One attached container (its sandbox), as persisted.
struct EndpointRecord {
  std::string container_id;
  std::string container_name;
  std::string hostname;
  // "bridge" (one or more bridge networks), "none", "host" (netd's own
  // namespace) or "container" (another container's namespace: `joined`).
  // Only bridge and none endpoints own their namespace.
  std::string mode;
  std::string joined;  // mode "container": the container whose netns this is
  EndpointState state = EndpointState::kCreating;
  std::string netns_path;
  // Bridge mode: the first one is the network the container was started on
  // and holds the default route; Connect appends, Disconnect removes.
  std::vector<InterfaceRecord> interfaces;
  std::vector<ports::PortSpec> ports;  // resolved host ports, to interfaces[0]
  DnsSettings dns;                      // --dns, --dns-search, --dns-option
  std::vector<HostEntry> extra_hosts;   // --add-host and --link, resolved
  // --link on a user network (Docker's model): `alias` answered by the
  // embedded DNS to this container only, with `container_id`'s addresses
  // on the networks the two share, looked up at query time.
  struct DnsLink {
    std::string container_id;
    std::string alias;
    bool operator==(const DnsLink&) const = default;
  };
  std::vector<DnsLink> dns_links;

  // bridge and none: netd made the namespace and removes it at detach.
  bool OwnsNamespace() const { return mode != "host" && mode != "container"; }

  // The interface on `network_id`, or nullptr.
  const InterfaceRecord* InterfaceOn(const std::string& network_id) const;
  // The first interface, or an empty one (for "none" and for a container
  // disconnected from every network).
  const InterfaceRecord& primary() const;

  bool operator==(const EndpointRecord&) const = default;
};

// Persists endpoint records as one JSON file per container under a directory,
// each written atomically, so an update touches only that container's file.
class EndpointStore {
 public:
  explicit EndpointStore(std::string dir) : dir_(std::move(dir)) {}

  // Creates or replaces the record of record.container_id.
  absl::Status Put(const EndpointRecord& record);

  // Removes the record. OK if there is none.
  absl::Status Delete(const std::string& container_id);

  // Every record, sorted by container id. A missing directory gives none;
  // DataLoss names a file that cannot be parsed (left in place for a human).
  absl::StatusOr<std::vector<EndpointRecord>> LoadAll() const;

  // Serialization, exposed for tests.
  static std::string ToJson(const EndpointRecord& record);
  static absl::StatusOr<EndpointRecord> FromJson(const std::string& json);

 private:
  std::string PathFor(const std::string& container_id) const;
  std::string dir_;
};

}  // namespace berth::netd
