#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/events/event_log.h"
#include "services/netd/dns/dns_server.h"
#include "services/netd/endpoint_store.h"
#include "services/netd/firewall/nft_applier.h"
#include "services/netd/ipam/address_pool.h"
#include "services/netd/ipam/lease_store.h"
#include "services/netd/metrics.h"
#include "services/netd/network_store.h"
#include "services/netd/netlink/netlink.h"
#include "services/netd/netns/netns_ops.h"
#include "services/netd/paths.h"
#include "services/netd/ports/port_reserver.h"

namespace berth::netd {

// Everything configurable about one netd (one Berth stack). Several stacks
// run side by side with distinct bridge, subnet, table and directories.
struct NetdConfig {
  std::string state_dir = "/var/lib/berth/netd";
  std::string run_dir = "/run/berth";
  std::string bridge = "berth0";
  std::string subnet = "172.29.0.0/16";
  std::string nft_table = "berth";
  std::vector<std::string> dns_servers;                 // empty: the host's resolv.conf
  std::string resolv_conf_source = "/etc/resolv.conf";  // "" = none
  std::string hosts_source = "/etc/hosts";              // host mode's /etc/hosts; "" = none
  std::string sys_class_net_dir = "/sys/class/net";     // bridge port settings (hairpin)
  std::string proc_sys_dir = "/proc/sys";               // a temp dir in unit tests

  // InvalidArgument naming the bad field: bridge must be a valid interface
  // name (1..15 chars, no '/', no whitespace), nft_table [A-Za-z0-9_]+,
  // subnet an IPv4 CIDR (see ipam::ParseSubnet), dns_servers IPv4 addresses.
  absl::Status Validate() const;
};

// The kernel seams and metrics the manager works through (not owned).
struct NetdDeps {
  netlink::Netlink& netlink;  // bound to the host namespace
  netns::NetnsOps& netns;
  firewall::NftApplier& nft;
  ports::PortReserver& ports;
  NetdMetrics& metrics;
};

// One requested published port, as it comes over the wire.
struct PortRequest {
  std::string protocol;
  std::string host_ip;
  uint32_t host_port = 0;
  uint32_t container_port = 0;
  // > host_port: a range; the first free port of host_port..host_port_end
  // is published (Docker's `-p 8000-8010:80`).
  uint32_t host_port_end = 0;
};

// The container's settings on one network (Docker's EndpointsConfig entry).
struct NetworkRequest {
  std::string network;  // name, id or unique id prefix
  std::vector<std::string> aliases;
  std::string ipv4_address;  // "" = allocate
  std::string mac_address;   // "" = derived from the address (02:42:<ip>)
};

// A --link. On the default bridge an /etc/hosts line for the linked
// container's address on that bridge; on a user network the alias (the
// first name) is answered by the embedded DNS to the linking container.
struct LinkRequest {
  std::string container_id;  // on the default bridge: must be attached to it
  std::string names;         // "alias hostname name", space-separated
};

struct AttachParams {
  std::string container_id;
  std::string container_name;
  // "bridge", "default", "" (the default bridge), "none", "host",
  // "container:<full id of an attached container>", or the name, id or id
  // prefix of a user network.
  std::string network_mode;
  std::string hostname;
  std::vector<std::string> aliases;  // on the network_mode network
  std::vector<PortRequest> ports;
  // Settings for the network_mode network and further networks to connect
  // at once (each becomes eth1, eth2, ... in this order).
  std::vector<NetworkRequest> networks;
  DnsSettings dns;
  // Docker's --add-host "name:ip"; ip may be "host-gateway" (the default
  // bridge's gateway). Not for "container:" mode (apid refuses it).
  std::vector<std::string> extra_hosts;
  std::vector<LinkRequest> links;
};

struct ConnectParams {
  std::string container_id;
  NetworkRequest network;
};

struct CreateNetworkParams {
  std::string name;
  std::string driver;  // "" or "bridge"
  std::string subnet;  // "" = pick one no host route or network uses
  std::string gateway;
  std::string ip_range;
  bool internal = false;
  bool attachable = false;
  std::map<std::string, std::string> labels;
  // com.docker.network.bridge.name and com.docker.network.driver.mtu;
  // anything else is refused.
  std::map<std::string, std::string> options;
};

struct AttachResult {
  EndpointRecord endpoint;  // mode, netns path, address, resolved ports
  std::string resolv_conf;
  std::string hosts;
  bool created = false;  // this call made the endpoint (not an existing one)
};

// A container on a network, for inspect.
struct NetworkMember {
  std::string container_id;
  std::string container_name;
  std::string endpoint_id;
  std::string mac_address;
  std::string ipv4_address;  // "a.b.c.d/len"
};

// A network with its members. For the predefined networks the record is
// synthesized (driver "bridge", "host" or "null"; subnet only for bridge).
struct NetworkInfo : NetworkRecord {
  bool predefined = false;
  std::vector<NetworkMember> containers;
};

// netd's domain: the default bridge network, container namespaces and
// endpoints, IPAM and the nftables table. Every public method is serialized
// by one mutex (netlink sockets and the state files are not concurrent-safe,
// and Attach calls are rare enough that this never matters).
class NetworkManager {
 public:
  // Validates the config. Touches nothing; call Recover() (serving) or
  // Teardown() (deploy/berth-down) next.
  static absl::StatusOr<std::unique_ptr<NetworkManager>> Create(NetdConfig config, NetdDeps deps);

  // Startup reconcile: stamps/checks the state schema, makes sure the bridge
  // exists with the gateway address and is up, enables IPv4 forwarding and
  // route_localnet on the bridge (guarded by the ruleset), turns off IPv6
  // router advertisements on it, prepares the private netns dir, loads the
  // persisted endpoints and leases, removes what a crash left half-made
  // (records still "creating", netns files and veths on our bridge without a
  // record, leases without an endpoint, endpoints whose namespace no longer
  // exists, as after a reboot), re-reserves published ports and
  // reloads the nftables table. Safe to call on every start.
  absl::Status Recover();

  // Creates the container's namespace and endpoint (see netd.proto Attach).
  // Attaching an attached container returns the existing endpoint.
  // InvalidArgument for a bad id or port; Unimplemented for modes other than
  // bridge/default/""/none; AlreadyExists "Bind for IP:PORT failed: port is
  // already allocated"; ResourceExhausted when the subnet is full. On error
  // nothing of the attempt is left behind.
  absl::StatusOr<AttachResult> Attach(const AttachParams& params);

  // Removes the endpoint: rules, veth, namespace, lease, record. OK for an
  // unknown container. On a kernel error the record stays so a retry can
  // finish the job.
  absl::Status Detach(const std::string& container_id);

  // The endpoint of an attached container. NotFound otherwise.
  absl::StatusOr<EndpointRecord> GetEndpoint(const std::string& container_id);

  // Ids of attached containers, sorted.
  std::vector<std::string> ListEndpoints();

  // Every network: the predefined bridge, host and none, then user networks
  // sorted by name.
  std::vector<NetworkInfo> ListNetworks();

  // A network by exact id, exact name or unique id prefix. NotFound
  // "network X not found" (Docker's text).
  absl::StatusOr<NetworkInfo> InspectNetwork(const std::string& name_or_id);

  // Creates a user-defined bridge network: record first, then the bridge
  // with its gateway address. InvalidArgument for a bad name, subnet,
  // gateway, range, driver or option; AlreadyExists for a taken name, bridge
  // or an overlapping subnet.
  absl::StatusOr<NetworkInfo> CreateNetwork(const CreateNetworkParams& params);

  // Removes a user network: bridge, leases, record. PermissionDenied for a
  // predefined network, FailedPrecondition while containers are connected.
  absl::Status RemoveNetwork(const std::string& name_or_id);

  // Adds an interface on another network to an attached container (hot-plug:
  // veth into its namespace, address, rules). NotFound for an unknown
  // network or a container without endpoint; AlreadyExists when it is
  // connected already; FailedPrecondition for mode "none".
  absl::StatusOr<EndpointRecord> Connect(const ConnectParams& params);

  // Removes the container's interface on the network (rules, veth, lease).
  // NotFound when it is not connected.
  absl::StatusOr<EndpointRecord> Disconnect(const std::string& container_id,
                                            const std::string& network);

  // docker rename: the endpoint's container name (the name the embedded DNS
  // answers for it and network inspect shows) becomes `name`. Persisted.
  // NotFound when the container has no endpoint.
  absl::Status RenameEndpoint(const std::string& container_id, const std::string& name);

  // deploy/berth-down: detaches every persisted endpoint and removes the
  // bridge, the nftables table and the netns dir mount. Keeps the state dir
  // (ids, empty lease file). Idempotent; returns the first error after
  // trying every step.
  absl::Status Teardown();

  // Network events (create, destroy, connect, disconnect), persisted under
  // the state dir from the first Recover on.
  events::EventLog& events() { return events_; }

 private:
  // Emits a network event; `container` set for connect/disconnect.
  void EmitNetworkEvent(const std::string& action, const std::string& network_id,
                        const std::string& network_name, const std::string& container = "");

  struct Endpoint {
    EndpointRecord record;
    std::vector<std::unique_ptr<ports::PortReservation>> reservations;
  };
  // A bridge network (the default one or a user network) and its IPAM.
  struct Network {
    NetworkRecord record;
    ipam::Ipv4Subnet subnet;
    bool predefined = false;
    ipam::LeaseStore leases;
    ipam::AddressPool pool;
  };

  NetworkManager(NetdConfig config, ipam::Ipv4Subnet subnet, NetdDeps deps);

  // network_manager_networks.cc
  // The --ip-range of a network (its subnet when unset or unparsable).
  static ipam::Ipv4Subnet RangeOf(const Network& network);
  // A Network from its record: parses subnet, gateway and range, and loads
  // its leases (FailedPrecondition when they belong to another subnet).
  absl::StatusOr<Network> MakeNetwork(NetworkRecord record, bool predefined, std::string lease_file);
  absl::Status LoadUserNetworks() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The bridge network `name_or_id` names, or the predefined name
  // ("host"/"none") in `predefined`. NotFound otherwise.
  absl::StatusOr<Network*> FindBridgeNetwork(const std::string& name_or_id,
                                             std::string* predefined = nullptr)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  NetworkInfo InfoFor(const Network& network) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<NetworkRecord> PlanNetwork(const CreateNetworkParams& params)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Binds netd's own namespace at paths_.host_netns_path() once per run
  // (again after a restart: the old bind may be of a namespace netd no
  // longer runs in).
  absl::Status EnsureHostNetns() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // --add-host and (when `links_in_hosts`) --link entries → /etc/hosts
  // lines. InvalidArgument for a malformed entry; NotFound/FailedPrecondition
  // for a link whose container has no address on the default bridge.
  absl::StatusOr<std::vector<HostEntry>> ResolveHostEntries(const AttachParams& params,
                                                            bool links_in_hosts)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // hairpin_mode=1 on a bridge port: a container reaches its own published
  // port through a host address (the DNAT sends it back out of the port it
  // came in on). Logged, not fatal: everything else works without it.
  void EnableHairpin(const std::string& host_veth);

  // Opens or closes the embedded DNS socket of every endpoint: served while
  // the container has an interface on a user network. Best effort (a
  // container without DNS still has its network), logged.
  void SyncDns() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The embedded DNS's view: names on the user networks `container_id` is on.
  dns::NameAnswer ResolveForDns(const std::string& container_id, const std::string& name);

  // network_manager_connect.cc
  // Leases an address on `network` for the interface `ifname` (static when
  // `ipv4` is set) and fills in the interface; nothing in the kernel.
  absl::StatusOr<InterfaceRecord> PlanInterface(const std::string& container_id, Network& network,
                                                const NetworkRequest& request, int index,
                                                bool default_route)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // veth into the namespace, enslaved to the network's bridge, address,
  // up, and the default route when the interface has one. Clears
  // iface.host_veth when that name is taken, so the undo leaves it alone.
  absl::Status PlumbInterface(const EndpointRecord& record, InterfaceRecord& iface)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Deletes the veth and releases the lease of one interface.
  absl::Status RemoveInterface(const std::string& container_id, const InterfaceRecord& iface)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status SaveLeases(Network& network) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // network_manager.cc
  absl::Status CheckSchemaVersion();
  absl::Status LoadNetworkIds() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status EnsureBridge(const Network& network);
  absl::Status WriteSysctl(const std::string& key, const std::string& value);
  // accept_ra=0 for `ifname`: a container must not configure the host's
  // IPv6 addresses or routes. OK without doing anything when the kernel has
  // no IPv6.
  absl::Status RefuseRouterAdvertisements(const std::string& ifname);
  absl::Status ApplyRuleset() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Where Docker's iptables-nft DOCKER-USER chain exists, makes it accept
  // forwarding through exactly `bridges` (this stack's rules are tagged;
  // see firewall/docker_user.h). Best effort, logged.
  void SyncDockerUser(const std::vector<std::string>& bridges);
  absl::Status SaveAllLeases() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Kernel indexes of every bridge of this stack.
  absl::StatusOr<std::set<int>> OwnBridgeIndexes() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status RemoveOrphans() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Drops interfaces whose veth is gone and re-enslaves veths that lost
  // their bridge.
  absl::Status ReconcileInterfaces(EndpointRecord& record) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void AdoptRecord(EndpointRecord record) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void UpdateGauges() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  AttachResult ResultFor(const EndpointRecord& record) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // network_manager_attach.cc
  absl::StatusOr<std::vector<ports::PortSpec>> ResolvePorts(
      const std::vector<PortRequest>& requests,
      std::vector<std::unique_ptr<ports::PortReservation>>& reservations)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The first port of spec.host_port..last that neither `claimed` nor a
  // host program holds, reserved into `reservations`. AlreadyExists "Bind
  // for IP:first-last failed: all ports are allocated" when none is free.
  absl::StatusOr<ports::PortSpec> ReserveFromRange(
      const ports::PortSpec& spec, uint32_t last, const std::vector<ports::PortSpec>& claimed,
      std::vector<std::unique_ptr<ports::PortReservation>>& reservations)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status PlumbNone(const EndpointRecord& record);
  absl::StatusOr<AttachResult> AttachLocked(const AttachParams& params)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Deletes the host veth `name` unless it is enslaved to another bridge.
  absl::Status DeleteOwnVeth(const std::string& name) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Best effort, idempotent: deletes the veth, the netns, the lease and the
  // record file; returns the first error after trying every step.
  absl::Status RemoveResources(const EndpointRecord& record) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const NetdConfig config_;
  const ipam::Ipv4Subnet subnet_;
  const Paths paths_;
  NetdDeps deps_;
  EndpointStore store_;
  NetworkStore network_store_;

  absl::Mutex mu_;
  // Bridge networks by id: the default one and the user networks.
  std::map<std::string, Network> networks_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Endpoint> endpoints_ ABSL_GUARDED_BY(mu_);
  bool dns_started_ ABSL_GUARDED_BY(mu_) = false;
  bool host_netns_bound_ ABSL_GUARDED_BY(mu_) = false;
  std::set<std::string> served_dns_ ABSL_GUARDED_BY(mu_);
  // What the DNS thread resolves from: a copy SyncDns refreshes. It has its
  // own mutex because DnsServer::Stop (called under mu_) waits for the DNS
  // thread, which must then never wait for mu_.
  absl::Mutex dns_mu_ ABSL_ACQUIRED_AFTER(mu_);
  std::map<std::string, EndpointRecord> dns_records_ ABSL_GUARDED_BY(dns_mu_);
  std::set<std::string> dns_user_networks_ ABSL_GUARDED_BY(dns_mu_);
  // Network ids ("bridge", "host", "none" → 64 hex), persisted.
  std::map<std::string, std::string> network_ids_ ABSL_GUARDED_BY(mu_);
  events::EventLog events_;
  bool events_persisted_ ABSL_GUARDED_BY(mu_) = false;
  // Last member: destroyed first, so its thread never sees a dead manager.
  std::unique_ptr<dns::DnsServer> dns_;
};

}  // namespace berth::netd
