#include "services/netd/network_manager.h"

#include <fcntl.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <unistd.h>

#include <cerrno>
#include <set>

#include "absl/random/random.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/fs/fs.h"
#include "common/fs/state_version.h"
#include "common/status/status.h"
#include "nlohmann/json.hpp"
#include "services/netd/dns_files.h"
#include "services/netd/firewall/docker_user.h"
#include "services/netd/firewall/ruleset.h"
#include "spdlog/spdlog.h"

namespace berth::netd {
namespace {

constexpr int kSchemaVersion = 1;
constexpr const char* kNetworkNames[] = {"bridge", "host", "none"};

std::string RandomHexId() {
  absl::BitGen gen;
  std::string id;
  for (int i = 0; i < 4; ++i) {
    absl::StrAppend(&id, absl::StrFormat("%016x", absl::Uniform<uint64_t>(gen)));
  }
  return id;
}

void KeepFirstError(absl::Status& first, const absl::Status& status) {
  if (first.ok() && !status.ok()) first = status;
}

}  // namespace

absl::Status NetdConfig::Validate() const {
  if (bridge.empty() || bridge.size() > 15 ||
      bridge.find_first_of("/ \t\n:") != std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid --bridge '", bridge, "': want an interface name of 1..15 chars"));
  }
  if (nft_table.empty() ||
      nft_table.find_first_not_of("abcdefghijklmnopqrstuvwxyz"
                                  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid --nft_table '", nft_table, "': want [A-Za-z0-9_]+"));
  }
  BERTH_RETURN_IF_ERROR(Annotate(ipam::ParseSubnet(subnet).status(), "--subnet"));
  for (const std::string& server : dns_servers) {
    BERTH_RETURN_IF_ERROR(Annotate(ipam::ParseIpv4(server).status(), "--dns_servers"));
  }
  if (state_dir.empty() || run_dir.empty()) {
    return absl::InvalidArgumentError("--state_dir and --run_dir must not be empty");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<NetworkManager>> NetworkManager::Create(NetdConfig config,
                                                                       NetdDeps deps) {
  BERTH_RETURN_IF_ERROR(config.Validate());
  BERTH_ASSIGN_OR_RETURN(ipam::Ipv4Subnet subnet, ipam::ParseSubnet(config.subnet));
  return std::unique_ptr<NetworkManager>(new NetworkManager(std::move(config), subnet, deps));
}

NetworkManager::NetworkManager(NetdConfig config, ipam::Ipv4Subnet subnet, NetdDeps deps)
    : config_(std::move(config)),
      subnet_(subnet),
      paths_(config_.state_dir, config_.run_dir),
      deps_(deps),
      store_(paths_.endpoints_dir()),
      network_store_(paths_.networks_dir()) {
  std::string host_resolv;
  if (!config_.resolv_conf_source.empty()) host_resolv = fs::ReadFile(config_.resolv_conf_source).value_or("");
  dns_ = std::make_unique<dns::DnsServer>(
      [this](const std::string& id, const std::string& name) { return ResolveForDns(id, name); },
      UpstreamNameservers(host_resolv, config_.dns_servers));
}

dns::NameAnswer NetworkManager::ResolveForDns(const std::string& container_id,
                                              const std::string& name) {
  absl::MutexLock lock(&dns_mu_);
  return dns::ResolveName(dns_records_, dns_user_networks_, container_id, name);
}

void NetworkManager::SyncDns() {
  {
    absl::MutexLock lock(&dns_mu_);
    dns_records_.clear();
    for (const auto& [id, endpoint] : endpoints_) dns_records_.emplace(id, endpoint.record);
    dns_user_networks_.clear();
    for (const auto& [id, network] : networks_) {
      if (!network.predefined) dns_user_networks_.insert(id);
    }
  }
  if (!dns_started_) return;
  for (const auto& [id, endpoint] : endpoints_) {
    bool wanted = false;
    for (const InterfaceRecord& iface : endpoint.record.interfaces) {
      auto network = networks_.find(iface.network_id);
      wanted = wanted || (network != networks_.end() && !network->second.predefined);
    }
    if (wanted == dns_->Serving(id)) continue;
    if (!wanted) {
      dns_->Stop(id);
      continue;
    }
    auto socket = deps_.netns.OpenUdpSocket(endpoint.record.netns_path, "127.0.0.11", 53);
    if (!socket.ok()) {
      spdlog::warn("container={} no embedded DNS: {}", id, socket.status().ToString());
      continue;
    }
    dns_->Serve(id, std::move(*socket));
  }
  for (const std::string& id : served_dns_) {
    if (endpoints_.count(id) == 0) dns_->Stop(id);
  }
  served_dns_.clear();
  for (const auto& [id, endpoint] : endpoints_) {
    if (dns_->Serving(id)) served_dns_.insert(id);
  }
}

absl::Status NetworkManager::CheckSchemaVersion() {
  BERTH_RETURN_IF_ERROR(
      fs::EnsureStateVersion(paths_.schema_version_file(), kSchemaVersion, "netd"));
  return fs::MakeDirs(absl::StrCat(paths_.state_dir(), "/ipam"), 0700);
}

absl::Status NetworkManager::LoadNetworkIds() {
  auto content = fs::ReadFile(paths_.networks_file());
  if (content.ok()) {
    nlohmann::json doc = nlohmann::json::parse(*content, nullptr, false);
    if (doc.is_object()) {
      for (const char* name : kNetworkNames) {
        if (doc.contains(name) && doc[name].is_string()) network_ids_[name] = doc[name];
      }
    }
  } else if (!absl::IsNotFound(content.status())) {
    return content.status();
  }
  bool changed = false;
  for (const char* name : kNetworkNames) {
    if (network_ids_[name].empty()) {
      network_ids_[name] = RandomHexId();
      changed = true;
    }
  }
  if (!changed) return absl::OkStatus();
  nlohmann::json doc(network_ids_);
  return fs::WriteFileAtomically(paths_.networks_file(), doc.dump(2) + "\n");
}

absl::Status NetworkManager::WriteSysctl(const std::string& key, const std::string& value) {
  std::string path = absl::StrCat(config_.proc_sys_dir, "/", key);
  fs::ScopedFd fd(::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
  if (!fd.valid()) return ErrnoToStatus(errno, absl::StrCat("open '", path, "'"));
  if (::write(fd.get(), value.data(), value.size()) != static_cast<ssize_t>(value.size())) {
    return ErrnoToStatus(errno, absl::StrCat("write '", value, "' to '", path, "'"));
  }
  return absl::OkStatus();
}

absl::Status NetworkManager::RefuseRouterAdvertisements(const std::string& ifname) {
  // A kernel booted with IPv6 disabled has no net/ipv6 and accepts no RA.
  std::string ipv6_dir = absl::StrCat(config_.proc_sys_dir, "/net/ipv6");
  if (::access(ipv6_dir.c_str(), F_OK) != 0 && errno == ENOENT) return absl::OkStatus();
  return WriteSysctl(absl::StrCat("net/ipv6/conf/", ifname, "/accept_ra"), "0");
}

absl::Status NetworkManager::EnsureBridge(const Network& network) {
  const std::string& bridge = network.record.bridge;
  auto link = deps_.netlink.GetLink(bridge);
  if (absl::IsNotFound(link.status())) {
    BERTH_RETURN_IF_ERROR(deps_.netlink.AddBridge(bridge));
    spdlog::info("created bridge {} for network {} ({})", bridge, network.record.name,
                 network.subnet.ToString());
  } else if (!link.ok()) {
    return link.status();
  } else if (link->kind != "bridge") {
    return absl::FailedPreconditionError(absl::StrCat("link '", bridge, "' exists but is a '",
                                                      link->kind,
                                                      "', not a bridge; pick another name"));
  }
  if (network.record.mtu > 0) {
    BERTH_RETURN_IF_ERROR(deps_.netlink.SetMtu(bridge, network.record.mtu));
  }
  netlink::Ipv4Prefix gateway{network.record.gateway, network.subnet.prefix_len};
  BERTH_ASSIGN_OR_RETURN(auto addresses, deps_.netlink.ListAddresses(bridge));
  bool has_gateway = false;
  for (const auto& address : addresses) has_gateway = has_gateway || address == gateway;
  if (!has_gateway) {
    absl::Status status = deps_.netlink.AddAddress(bridge, gateway);
    if (!status.ok() && !absl::IsAlreadyExists(status)) return status;
  }
  BERTH_RETURN_IF_ERROR(deps_.netlink.SetUp(bridge));
  // Containers reach the outside only if the host forwards; and connections
  // from the host to 127.0.0.1:<published port> are DNATed to a container
  // while keeping their 127.0.0.1 source until postrouting masquerades them,
  // which the kernel drops as martian unless route_localnet is on for the
  // outgoing interface. route_localnet alone would also let containers send
  // to the host's 127.0.0.1 (CVE-2020-8558): the ruleset's guard chain drops
  // 127.0.0.0/8 arriving on any interface but lo, and the table is loaded
  // before the bridge can carry a container's traffic (Recover applies it
  // before any Attach is served).
  BERTH_RETURN_IF_ERROR(WriteSysctl("net/ipv4/ip_forward", "1"));
  BERTH_RETURN_IF_ERROR(
      WriteSysctl(absl::StrCat("net/ipv4/conf/", bridge, "/route_localnet"), "1"));
  return RefuseRouterAdvertisements(bridge);
}

absl::Status NetworkManager::SaveLeases(Network& network) {
  UpdateGauges();
  return network.leases.Save(network.pool);
}

absl::Status NetworkManager::SaveAllLeases() {
  for (auto& [id, network] : networks_) BERTH_RETURN_IF_ERROR(SaveLeases(network));
  return absl::OkStatus();
}

absl::StatusOr<std::set<int>> NetworkManager::OwnBridgeIndexes() {
  std::set<int> indexes;
  for (const auto& [id, network] : networks_) {
    auto link = deps_.netlink.GetLink(network.record.bridge);
    if (absl::IsNotFound(link.status())) continue;
    if (!link.ok()) return link.status();
    indexes.insert(link->index);
  }
  return indexes;
}

absl::Status NetworkManager::ApplyRuleset() {
  firewall::RulesetSpec spec{config_.nft_table, {}, {}, {}};
  // The default bridge first, so its rules keep their place in the chains.
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& [id, network] : networks_) {
      if (network.predefined != (pass == 0)) continue;
      spec.networks.push_back({network.record.bridge, network.subnet, network.record.internal});
    }
  }
  for (const auto& [id, endpoint] : endpoints_) {
    const EndpointRecord& record = endpoint.record;
    for (const InterfaceRecord& iface : record.interfaces) {
      if (!iface.host_veth.empty()) {
        spec.guards.push_back({iface.host_veth, iface.mac_address, iface.ip_address});
      }
    }
    if (record.primary().ip_address.empty()) continue;
    for (const ports::PortSpec& port : record.ports) {
      spec.ports.push_back({port.protocol, port.host_ip, port.host_port,
                            record.primary().ip_address, port.container_port});
    }
  }
  absl::Status status = deps_.nft.Apply(firewall::RenderRuleset(spec));
  (status.ok() ? deps_.metrics.ruleset_ok : deps_.metrics.ruleset_error).Increment();
  if (status.ok()) {
    std::vector<std::string> bridges;
    for (const firewall::BridgeNetwork& network : spec.networks) bridges.push_back(network.bridge);
    SyncDockerUser(bridges);
  }
  return Annotate(status, absl::StrCat("load nftables table '", config_.nft_table, "'"));
}

void NetworkManager::SyncDockerUser(const std::vector<std::string>& bridges) {
  // No DOCKER-USER chain (no Docker, or iptables-legacy): nothing to do.
  auto listing = deps_.nft.ListChainWithHandles("filter", "DOCKER-USER");
  if (!listing.ok()) return;
  const std::string tag = firewall::DockerUserTag(config_.nft_table);
  std::vector<int> stale = firewall::TaggedRuleHandles(*listing, tag);
  bool current = stale.size() == 2 * bridges.size();
  for (const std::string& bridge : bridges) {
    current = current && absl::StrContains(*listing, absl::StrCat("iifname \"", bridge, "\" accept comment \"", tag, "\"")) &&
              absl::StrContains(*listing, absl::StrCat("oifname \"", bridge, "\" accept comment \"", tag, "\""));
  }
  if (current) return;
  absl::Status status =
      deps_.nft.Apply(firewall::RenderDockerUserScript(stale, bridges, tag));
  if (!status.ok()) {
    spdlog::warn("cannot update Docker's DOCKER-USER chain (Docker's FORWARD policy may drop "
                 "this stack's forwarded traffic): {}", status.ToString());
    return;
  }
  spdlog::info("DOCKER-USER accepts forwarding for {} bridges of this stack", bridges.size());
}

void NetworkManager::UpdateGauges() {
  size_t published = 0;
  for (const auto& [id, endpoint] : endpoints_) published += endpoint.record.ports.size();
  deps_.metrics.endpoints.Set(static_cast<double>(endpoints_.size()));
  deps_.metrics.networks.Set(static_cast<double>(networks_.size()));
  deps_.metrics.dns_served.Set(static_cast<double>(served_dns_.size()));
  deps_.metrics.published_ports.Set(static_cast<double>(published));
  size_t leases = 0;
  for (const auto& [id, network] : networks_) leases += network.pool.leases().size();
  deps_.metrics.addresses_in_use.Set(static_cast<double>(leases));
}

void NetworkManager::AdoptRecord(EndpointRecord record) {
  Endpoint endpoint;
  for (const InterfaceRecord& iface : record.interfaces) {
    auto network = networks_.find(iface.network_id);
    auto ip = ipam::ParseIpv4(iface.ip_address);
    absl::Status status =
        network == networks_.end()
            ? absl::NotFoundError(absl::StrCat("network '", iface.network_id, "' is gone"))
            : (ip.ok() ? network->second.pool.Reserve(*ip, record.container_id) : ip.status());
    if (!status.ok()) {
      spdlog::error("container={} keeps address {} outside the pool: {}", record.container_id,
                    iface.ip_address, status.ToString());
    }
  }
  // The DNAT rules work without these sockets; they only keep other programs
  // from binding the ports. A failure is worth a warning, not a refusal.
  for (const ports::PortSpec& port : record.ports) {
    auto reservation = deps_.ports.Reserve(port);
    if (reservation.ok()) {
      endpoint.reservations.push_back(std::move(*reservation));
    } else {
      spdlog::warn("container={} cannot re-reserve {}/{}:{}: {}", record.container_id,
                   port.protocol, ports::DisplayHostIp(port), port.host_port,
                   reservation.status().ToString());
    }
  }
  std::string id = record.container_id;
  endpoint.record = std::move(record);
  endpoints_[id] = std::move(endpoint);
}

absl::Status NetworkManager::RemoveOrphans() {
  std::set<std::string> veths;
  for (const auto& [id, endpoint] : endpoints_) {
    for (const InterfaceRecord& iface : endpoint.record.interfaces) veths.insert(iface.host_veth);
  }

  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> files, deps_.netns.List(paths_.netns_dir()));
  for (const std::string& name : files) {
    if (endpoints_.count(name) != 0 || paths_.netns_path(name) == paths_.host_netns_path()) {
      continue;
    }
    spdlog::warn("removing orphan network namespace {}", paths_.netns_path(name));
    BERTH_RETURN_IF_ERROR(deps_.netns.Remove(paths_.netns_path(name)));
    deps_.metrics.orphans_removed.Increment();
  }
  // Only veths enslaved to this stack's bridges: other stacks on the host use
  // the same "vb" prefix for their own.
  BERTH_ASSIGN_OR_RETURN(std::set<int> bridges, OwnBridgeIndexes());
  BERTH_ASSIGN_OR_RETURN(std::vector<netlink::LinkInfo> links, deps_.netlink.ListLinks());
  for (const netlink::LinkInfo& link : links) {
    if (bridges.count(link.master_index) == 0 || veths.count(link.name) != 0) continue;
    spdlog::warn("removing orphan link {} from bridge index {}", link.name, link.master_index);
    absl::Status status = deps_.netlink.DeleteLink(link.name);
    if (!status.ok() && !absl::IsNotFound(status)) return status;
    deps_.metrics.orphans_removed.Increment();
  }
  return absl::OkStatus();
}

absl::Status NetworkManager::ReconcileInterfaces(EndpointRecord& record) {
  // A Connect interrupted before its veth existed (the record is written
  // first): the interface was never there, so it leaves the record.
  const size_t before = record.interfaces.size();
  std::erase_if(record.interfaces, [&](const InterfaceRecord& iface) {
    return iface.host_veth.empty() ||
           absl::IsNotFound(deps_.netlink.GetLink(iface.host_veth).status());
  });
  if (record.interfaces.size() != before) {
    spdlog::warn("container={} dropping {} interfaces whose veth is gone", record.container_id,
                 before - record.interfaces.size());
    BERTH_RETURN_IF_ERROR(store_.Put(record));
  }
  // A bridge deleted and made again (by hand, or by a crash in the middle of
  // a Teardown) lost its ports: enslave them again.
  for (const InterfaceRecord& iface : record.interfaces) {
    auto network = networks_.find(iface.network_id);
    if (network == networks_.end()) continue;
    BERTH_ASSIGN_OR_RETURN(netlink::LinkInfo bridge,
                           deps_.netlink.GetLink(network->second.record.bridge));
    BERTH_ASSIGN_OR_RETURN(netlink::LinkInfo veth, deps_.netlink.GetLink(iface.host_veth));
    if (veth.master_index == bridge.index) continue;
    spdlog::warn("container={} re-attaching {} to bridge {}", record.container_id,
                 iface.host_veth, network->second.record.bridge);
    BERTH_RETURN_IF_ERROR(deps_.netlink.SetMaster(iface.host_veth, network->second.record.bridge));
    BERTH_RETURN_IF_ERROR(deps_.netlink.SetUp(iface.host_veth));
  }
  return absl::OkStatus();
}

void NetworkManager::EmitNetworkEvent(const std::string& action, const std::string& network_id,
                                      const std::string& network_name,
                                      const std::string& container) {
  events::EventRecord event;
  event.type = "network";
  event.action = action;
  event.id = network_id;
  event.attributes = {{"name", network_name}, {"type", "bridge"}};
  if (!container.empty()) event.attributes["container"] = container;
  events_.Emit(std::move(event));
}

absl::Status NetworkManager::Recover() {
  absl::MutexLock lock(&mu_);
  BERTH_RETURN_IF_ERROR(CheckSchemaVersion());
  if (!events_persisted_) {
    BERTH_RETURN_IF_ERROR(events_.Persist(paths_.state_dir() + "/events.jsonl"));
    events_persisted_ = true;
  }
  BERTH_RETURN_IF_ERROR(LoadNetworkIds());
  // Loading first also refuses a --subnet change while leases are live.
  BERTH_RETURN_IF_ERROR(LoadUserNetworks());
  for (auto& [id, network] : networks_) {
    BERTH_RETURN_IF_ERROR(
        Annotate(EnsureBridge(network), absl::StrCat("bridge '", network.record.bridge, "'")));
  }
  BERTH_RETURN_IF_ERROR(deps_.netns.PrepareDir(paths_.netns_dir()));

  BERTH_ASSIGN_OR_RETURN(std::vector<EndpointRecord> records, store_.LoadAll());
  endpoints_.clear();
  // Leases are rebuilt from the records: a lease without an active record is
  // the trace of an Attach that crashed before writing its record.
  for (auto& [id, network] : networks_) {
    uint32_t next = network.pool.next();
    network.pool = ipam::AddressPool(network.subnet, network.pool.gateway(), RangeOf(network));
    network.pool.set_next(next);
  }
  for (EndpointRecord& record : records) {
    if (record.state == EndpointState::kCreating) {
      spdlog::warn("container={} attach was interrupted; undoing it", record.container_id);
      BERTH_RETURN_IF_ERROR(RemoveResources(record));
      deps_.metrics.orphans_removed.Increment();
      continue;
    }
    if (record.mode == "host") BERTH_RETURN_IF_ERROR(EnsureHostNetns());
    // After a host reboot the records and the (plain) files under /run
    // survive but the namespaces do not: such an endpoint can never carry
    // traffic again, so it is removed rather than handed out by Attach.
    if (!deps_.netlink.OpenInNetns(record.netns_path).ok()) {
      spdlog::warn("container={} network namespace {} is gone; removing the endpoint",
                   record.container_id, record.netns_path);
      BERTH_RETURN_IF_ERROR(RemoveResources(record));
      deps_.metrics.orphans_removed.Increment();
      continue;
    }
    BERTH_RETURN_IF_ERROR(ReconcileInterfaces(record));
    AdoptRecord(std::move(record));
  }
  BERTH_RETURN_IF_ERROR(SaveAllLeases());
  BERTH_RETURN_IF_ERROR(RemoveOrphans());
  BERTH_RETURN_IF_ERROR(ApplyRuleset());
  if (!dns_started_) {
    BERTH_RETURN_IF_ERROR(dns_->Start());
    dns_started_ = true;
  }
  SyncDns();
  UpdateGauges();
  spdlog::info("recovered {} endpoints on {} bridge networks, nft table ip {}", endpoints_.size(),
               networks_.size(), config_.nft_table);
  return absl::OkStatus();
}

absl::Status NetworkManager::Teardown() {
  absl::MutexLock lock(&mu_);
  absl::Status first;
  auto records = store_.LoadAll();
  if (!records.ok()) return records.status();
  KeepFirstError(first, LoadUserNetworks());
  endpoints_.clear();
  for (const EndpointRecord& record : *records) {
    KeepFirstError(first, Annotate(RemoveResources(record),
                                   absl::StrCat("detach '", record.container_id, "'")));
  }
  KeepFirstError(first, RemoveOrphans());
  if (auto files = deps_.netns.List(paths_.netns_dir()); files.ok()) {
    for (const std::string& name : *files) {
      if (paths_.netns_path(name) != paths_.host_netns_path()) continue;
      KeepFirstError(first, deps_.netns.Remove(paths_.host_netns_path()));
      host_netns_bound_ = false;
    }
  }
  // User networks keep their records (like Docker's, they outlive the
  // daemon); their bridges come back at the next Recover.
  for (const auto& [id, network] : networks_) {
    absl::Status status = deps_.netlink.DeleteLink(network.record.bridge);
    if (!absl::IsNotFound(status)) KeepFirstError(first, status);
  }
  if (networks_.empty()) {
    absl::Status status = deps_.netlink.DeleteLink(config_.bridge);
    if (!absl::IsNotFound(status)) KeepFirstError(first, status);
  }
  KeepFirstError(first, deps_.nft.Apply(firewall::RenderDeleteTable(config_.nft_table)));
  SyncDockerUser({});
  KeepFirstError(first, deps_.netns.ReleaseDir(paths_.netns_dir()));
  KeepFirstError(first, SaveAllLeases());
  UpdateGauges();
  if (first.ok()) {
    spdlog::info("tore down {} bridges and nft table ip {}", networks_.size(), config_.nft_table);
  }
  return first;
}

absl::StatusOr<EndpointRecord> NetworkManager::GetEndpoint(const std::string& container_id) {
  absl::MutexLock lock(&mu_);
  auto it = endpoints_.find(container_id);
  if (it == endpoints_.end()) {
    return absl::NotFoundError(absl::StrCat("container '", container_id, "' has no endpoint"));
  }
  return it->second.record;
}

std::vector<std::string> NetworkManager::ListEndpoints() {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> ids;
  for (const auto& [id, endpoint] : endpoints_) ids.push_back(id);
  return ids;
}

absl::Status NetworkManager::EnsureHostNetns() {
  if (host_netns_bound_) return absl::OkStatus();
  const std::string path = paths_.host_netns_path();
  BERTH_RETURN_IF_ERROR(deps_.netns.Remove(path));
  BERTH_RETURN_IF_ERROR(deps_.netns.BindCurrent(path));
  host_netns_bound_ = true;
  return absl::OkStatus();
}

void NetworkManager::EnableHairpin(const std::string& host_veth) {
  const std::string path =
      absl::StrCat(config_.sys_class_net_dir, "/", host_veth, "/brport/hairpin_mode");
  fs::ScopedFd fd(::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
  if (!fd.valid() || ::write(fd.get(), "1", 1) != 1) {
    spdlog::warn("link {}: no hairpin mode ({}): a container cannot reach its own published "
                 "ports through a host address",
                 host_veth, ErrnoToStatus(errno, path).ToString());
  }
}

AttachResult NetworkManager::ResultFor(const EndpointRecord& record) const {
  // A container in another's namespace sees that one's files, as in Docker.
  if (record.mode == "container") {
    if (auto joined = endpoints_.find(record.joined); joined != endpoints_.end()) {
      AttachResult result = ResultFor(joined->second.record);
      result.endpoint = record;
      return result;
    }
  }
  auto read_host_file = [](const std::string& path) {
    if (path.empty()) return std::string();
    auto content = fs::ReadFile(path);
    if (!content.ok()) {
      spdlog::warn("cannot read {}: {}", path, content.status().ToString());
      return std::string();
    }
    return *std::move(content);
  };
  const std::string host_resolv = read_host_file(config_.resolv_conf_source);
  if (record.mode == "host") {
    // The host's own files: the container shares its interfaces, so its
    // resolvers (even a loopback one) are reachable.
    std::string hosts = read_host_file(config_.hosts_source);
    if (!hosts.empty() && hosts.back() != '\n') hosts.push_back('\n');
    for (const HostEntry& entry : record.extra_hosts) {
      absl::StrAppend(&hosts, entry.ip, "\t", entry.names, "\n");
    }
    std::string resolv = record.dns == DnsSettings{}
                             ? host_resolv
                             : RenderResolvConf(host_resolv, {}, record.dns);
    return AttachResult{record, resolv, hosts};
  }
  // Docker's rule: a container on a user network asks the embedded server.
  bool user_network = false;
  for (const InterfaceRecord& iface : record.interfaces) {
    user_network = user_network || iface.network_name != "bridge";
  }
  return AttachResult{record,
                      user_network ? RenderEmbeddedResolvConf(host_resolv, record.dns)
                                   : RenderResolvConf(host_resolv, config_.dns_servers, record.dns),
                      RenderHosts(record.primary().ip_address, record.hostname,
                                  record.extra_hosts)};
}

}  // namespace berth::netd
