#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "services/netd/endpoint_store.h"
#include "services/netd/firewall/nft_applier.h"
#include "services/netd/ipam/address_pool.h"
#include "services/netd/ipam/lease_store.h"
#include "services/netd/metrics.h"
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
};

struct AttachParams {
  std::string container_id;
  std::string container_name;
  std::string network_mode;  // "bridge", "default", "" or "none"
  std::string hostname;
  std::vector<std::string> aliases;
  std::vector<PortRequest> ports;
};

struct AttachResult {
  EndpointRecord endpoint;  // mode, netns path, address, resolved ports
  std::string resolv_conf;
  std::string hosts;
  bool created = false;  // this call made the endpoint (not an existing one)
};

struct NetworkInfo {
  std::string id;
  std::string name;    // "bridge", "host", "none"
  std::string driver;  // "bridge", "host", "null"
  std::string subnet;
  std::string gateway;
  std::string bridge;
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

  // Ids of attached containers, sorted.
  std::vector<std::string> ListEndpoints();

  // The predefined networks: bridge, host, none.
  std::vector<NetworkInfo> ListNetworks();

  // deploy/berth-down: detaches every persisted endpoint and removes the
  // bridge, the nftables table and the netns dir mount. Keeps the state dir
  // (ids, empty lease file). Idempotent; returns the first error after
  // trying every step.
  absl::Status Teardown();

 private:
  struct Endpoint {
    EndpointRecord record;
    std::vector<std::unique_ptr<ports::PortReservation>> reservations;
  };

  NetworkManager(NetdConfig config, ipam::Ipv4Subnet subnet, NetdDeps deps);

  // network_manager.cc
  absl::Status CheckSchemaVersion();
  absl::Status LoadNetworkIds() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status EnsureBridge();
  absl::Status WriteSysctl(const std::string& key, const std::string& value);
  // accept_ra=0 for `ifname`: a container must not configure the host's
  // IPv6 addresses or routes. OK without doing anything when the kernel has
  // no IPv6.
  absl::Status RefuseRouterAdvertisements(const std::string& ifname);
  absl::Status ApplyRuleset() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status SaveLeases() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status RemoveOrphans() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void AdoptRecord(EndpointRecord record) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void UpdateGauges() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  AttachResult ResultFor(const EndpointRecord& record) const;

  // network_manager_attach.cc
  absl::StatusOr<std::vector<ports::PortSpec>> ResolvePorts(
      const std::vector<PortRequest>& requests,
      std::vector<std::unique_ptr<ports::PortReservation>>& reservations)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Creates and configures the veth pair; clears record.host_veth when the
  // name is taken, so the undo leaves that link alone.
  absl::Status PlumbBridge(EndpointRecord& record);
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
  ipam::LeaseStore lease_store_;

  absl::Mutex mu_;
  ipam::AddressPool pool_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Endpoint> endpoints_ ABSL_GUARDED_BY(mu_);
  // Network ids ("bridge", "host", "none" → 64 hex), persisted.
  std::map<std::string, std::string> network_ids_ ABSL_GUARDED_BY(mu_);
};

}  // namespace berth::netd
