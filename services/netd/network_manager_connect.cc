// Interfaces: planning one (lease, names), plumbing it into a namespace,
// removing it; and Connect / Disconnect of an attached container, which
// hot-plug an interface into its running namespace.
#include <prometheus/counter.h>

#include "absl/cleanup/cleanup.h"
#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status/status.h"
#include "services/netd/network_manager.h"
#include "spdlog/spdlog.h"

namespace berth::netd {
namespace {

template <typename T>
absl::StatusOr<T> WithContext(absl::StatusOr<T> result, const std::string& context) {
  if (!result.ok()) return Annotate(result.status(), context);
  return result;
}

// Enough for any sane number of networks per container, and it keeps the
// host veth name (HostVethName(id, index)) within 15 characters.
constexpr int kMaxInterfaces = 100;

std::string NewEndpointId() {
  absl::BitGen gen;
  std::string id;
  for (int i = 0; i < 4; ++i) {
    absl::StrAppend(&id, absl::StrFormat("%016x", absl::Uniform<uint64_t>(gen)));
  }
  return id;
}

// The lowest N for which ethN is not used by the record yet.
absl::StatusOr<int> FreeIndex(const EndpointRecord& record) {
  for (int index = 0; index < kMaxInterfaces; ++index) {
    bool used = false;
    for (const InterfaceRecord& iface : record.interfaces) {
      used = used || iface.ifname == absl::StrCat("eth", index);
    }
    if (!used) return index;
  }
  return absl::ResourceExhaustedError(
      absl::StrCat("container '", record.container_id, "' has ", kMaxInterfaces, " interfaces"));
}

// "02:42:ac:11:00:02": six pairs of hex digits, unicast (Docker refuses a
// multicast MAC for an interface too).
bool ValidMac(const std::string& mac) {
  if (mac.size() != 17) return false;
  for (size_t i = 0; i < mac.size(); ++i) {
    if (i % 3 == 2 ? mac[i] != ':' : !absl::ascii_isxdigit(mac[i])) return false;
  }
  int first = 0;
  absl::SimpleHexAtoi(mac.substr(0, 2), &first);
  return (first & 1) == 0;
}

}  // namespace

absl::StatusOr<InterfaceRecord> NetworkManager::PlanInterface(const std::string& container_id,
                                                              Network& network,
                                                              const NetworkRequest& request,
                                                              int index, bool default_route) {
  if (!request.mac_address.empty() && !ValidMac(request.mac_address)) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid MAC address: ", request.mac_address));
  }
  uint32_t ip = 0;
  if (request.ipv4_address.empty()) {
    BERTH_ASSIGN_OR_RETURN(ip, network.pool.Allocate(container_id));
  } else {
    BERTH_ASSIGN_OR_RETURN(ip, WithContext(ipam::ParseIpv4(request.ipv4_address), "IPv4 address"));
    if (network.pool.leases().count(ip) != 0) {
      return absl::AlreadyExistsError(absl::StrCat("Address already in use: ",
                                                   request.ipv4_address, " on network ",
                                                   network.record.name));
    }
    BERTH_RETURN_IF_ERROR(network.pool.Reserve(ip, container_id));
  }
  InterfaceRecord iface;
  iface.network_id = network.record.id;
  iface.network_name = network.record.name;
  iface.ifname = absl::StrCat("eth", index);
  iface.endpoint_id = NewEndpointId();
  iface.aliases = request.aliases;
  iface.ip_address = ipam::FormatIpv4(ip);
  iface.prefix_len = network.subnet.prefix_len;
  iface.gateway = network.record.gateway;
  // An internal network has no way out, so it never holds the default route.
  iface.default_route = default_route && !network.record.internal;
  iface.mac_address = request.mac_address.empty() ? ipam::MacForIpv4(ip)
                                                 : absl::AsciiStrToLower(request.mac_address);
  iface.host_veth = HostVethName(container_id, index);
  // Persisted before any kernel object: an address is never handed out
  // twice, also across a crash.
  absl::Status saved = SaveLeases(network);
  if (!saved.ok()) {
    network.pool.Release(ip);
    return saved;
  }
  return iface;
}

absl::Status NetworkManager::PlumbInterface(const EndpointRecord& record, InterfaceRecord& iface) {
  auto network = networks_.find(iface.network_id);
  if (network == networks_.end()) {
    return absl::NotFoundError(absl::StrCat("network ", iface.network_name, " not found"));
  }
  netlink::Netlink& host = deps_.netlink;
  absl::Status added =
      host.AddVethPair(iface.host_veth, iface.ifname, iface.mac_address, record.netns_path);
  if (absl::IsAlreadyExists(added)) {
    // Not ours: keep the undo from deleting another endpoint's link.
    iface.host_veth.clear();
  }
  BERTH_RETURN_IF_ERROR(added);
  const int mtu = network->second.record.mtu;
  if (mtu > 0) BERTH_RETURN_IF_ERROR(host.SetMtu(iface.host_veth, mtu));
  // Before the port is up: the host side never takes a router advertisement
  // from the container. Its anti-spoofing rules come with the ruleset
  // loaded right after plumbing, before the container's process exists (or,
  // for Connect, before the interface inside is up).
  BERTH_RETURN_IF_ERROR(RefuseRouterAdvertisements(iface.host_veth));
  BERTH_RETURN_IF_ERROR(host.SetMaster(iface.host_veth, network->second.record.bridge));
  EnableHairpin(iface.host_veth);
  BERTH_RETURN_IF_ERROR(host.SetUp(iface.host_veth));
  BERTH_ASSIGN_OR_RETURN(std::unique_ptr<netlink::Netlink> inside,
                         host.OpenInNetns(record.netns_path));
  if (mtu > 0) BERTH_RETURN_IF_ERROR(inside->SetMtu(iface.ifname, mtu));
  BERTH_RETURN_IF_ERROR(inside->AddAddress(iface.ifname, {iface.ip_address, iface.prefix_len}));
  BERTH_RETURN_IF_ERROR(inside->SetUp(iface.ifname));
  if (!iface.default_route) return absl::OkStatus();
  return inside->AddDefaultRoute(iface.gateway, iface.ifname);
}

absl::Status NetworkManager::RemoveInterface(const std::string& container_id,
                                             const InterfaceRecord& iface) {
  if (!iface.host_veth.empty()) BERTH_RETURN_IF_ERROR(DeleteOwnVeth(iface.host_veth));
  auto network = networks_.find(iface.network_id);
  auto ip = ipam::ParseIpv4(iface.ip_address);
  if (network == networks_.end() || !ip.ok()) return absl::OkStatus();
  ipam::AddressPool& pool = network->second.pool;
  auto owner = pool.leases().find(*ip);
  if (owner == pool.leases().end() || owner->second != container_id) return absl::OkStatus();
  pool.Release(*ip);
  return SaveLeases(network->second);
}

absl::StatusOr<EndpointRecord> NetworkManager::Connect(const ConnectParams& params) {
  absl::MutexLock lock(&mu_);
  const std::string& id = params.container_id;
  BERTH_RETURN_IF_ERROR(ValidateContainerId(id));
  std::string predefined;
  BERTH_ASSIGN_OR_RETURN(Network * network, FindBridgeNetwork(params.network.network, &predefined));
  if (network == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        "container cannot be disconnected from host network or connected to ", predefined,
        " network"));
  }
  auto it = endpoints_.find(id);
  if (it == endpoints_.end()) {
    return absl::NotFoundError(absl::StrCat("container '", id, "' has no network endpoint"));
  }
  EndpointRecord record = it->second.record;
  if (record.mode == "none") {
    return absl::FailedPreconditionError(
        "container cannot be connected to multiple networks with one of the networks in private "
        "(none) mode");
  }
  if (!record.OwnsNamespace()) {
    return absl::FailedPreconditionError(
        "container sharing network namespace with another container or host cannot be connected "
        "to any other network");
  }
  if (record.InterfaceOn(network->record.id) != nullptr) {
    return absl::AlreadyExistsError(absl::StrCat("endpoint with name ", record.container_name,
                                                 " already exists in network ",
                                                 network->record.name));
  }
  BERTH_ASSIGN_OR_RETURN(int index, FreeIndex(record));
  bool has_default_route = false;
  for (const InterfaceRecord& iface : record.interfaces) {
    has_default_route = has_default_route || iface.default_route;
  }
  BERTH_ASSIGN_OR_RETURN(InterfaceRecord planned,
                         PlanInterface(id, *network, params.network, index, !has_default_route));
  record.interfaces.push_back(planned);
  InterfaceRecord& iface = record.interfaces.back();
  // Undo exactly this interface: its veth and lease, and the record as it was.
  absl::Cleanup undo = [&]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    absl::Status status = RemoveInterface(id, iface);
    if (status.ok()) status = store_.Put(endpoints_.at(id).record);
    if (!status.ok()) spdlog::error("container={} undo of a failed connect: {}", id, status.ToString());
  };
  // Recorded before the veth exists: a crash in between leaves an interface
  // whose veth is missing, which Recover drops.
  BERTH_RETURN_IF_ERROR(store_.Put(record));
  BERTH_RETURN_IF_ERROR(PlumbInterface(record, iface));
  EndpointRecord previous = endpoints_.at(id).record;
  endpoints_.at(id).record = record;
  absl::Status status = ApplyRuleset();
  if (!status.ok()) {
    endpoints_.at(id).record = std::move(previous);
    return status;
  }
  std::move(undo).Cancel();
  SyncDns();
  UpdateGauges();
  EmitNetworkEvent("connect", network->record.id, network->record.name, id);
  spdlog::info("container={} connected to {} as {} ip={}", id, network->record.name, iface.ifname,
               iface.ip_address);
  return record;
}

absl::StatusOr<EndpointRecord> NetworkManager::Disconnect(const std::string& container_id,
                                                          const std::string& network_name) {
  absl::MutexLock lock(&mu_);
  BERTH_RETURN_IF_ERROR(ValidateContainerId(container_id));
  std::string predefined;
  BERTH_ASSIGN_OR_RETURN(Network * network, FindBridgeNetwork(network_name, &predefined));
  auto it = endpoints_.find(container_id);
  const InterfaceRecord* found = nullptr;
  if (it != endpoints_.end() && network != nullptr) {
    found = it->second.record.InterfaceOn(network->record.id);
  }
  if (found == nullptr) {
    return absl::NotFoundError(absl::StrCat("container ", container_id,
                                            " is not connected to network ", network_name));
  }
  EndpointRecord record = it->second.record;
  const InterfaceRecord iface = *found;
  std::erase_if(record.interfaces,
                [&](const InterfaceRecord& i) { return i.network_id == iface.network_id; });
  // Rules first: nothing may point at the address once it is back in the
  // pool. The record without the interface is written before the veth goes,
  // so a crash leaves at worst an orphan veth, which Recover removes.
  EndpointRecord previous = it->second.record;
  it->second.record = record;
  absl::Status status = ApplyRuleset();
  if (status.ok()) status = store_.Put(record);
  if (!status.ok()) {
    it->second.record = std::move(previous);
    absl::Status reapply = ApplyRuleset();
    if (!reapply.ok()) spdlog::error("container={} {}", container_id, reapply.ToString());
    return Annotate(status, absl::StrCat("disconnect '", container_id, "'"));
  }
  status = RemoveInterface(container_id, iface);
  if (!status.ok()) {
    spdlog::error("container={} disconnect left {} behind: {}", container_id, iface.host_veth,
                  status.ToString());
  }
  SyncDns();
  UpdateGauges();
  spdlog::info("container={} disconnected from {}", container_id, network->record.name);
  EmitNetworkEvent("disconnect", network->record.id, network->record.name, container_id);
  return record;
}

absl::Status NetworkManager::RenameEndpoint(const std::string& container_id,
                                            const std::string& name) {
  absl::MutexLock lock(&mu_);
  BERTH_RETURN_IF_ERROR(ValidateContainerId(container_id));
  auto it = endpoints_.find(container_id);
  if (it == endpoints_.end()) {
    return absl::NotFoundError(absl::StrCat("container ", container_id, " has no endpoint"));
  }
  EndpointRecord record = it->second.record;
  record.container_name = name;
  BERTH_RETURN_IF_ERROR(store_.Put(record));
  it->second.record = std::move(record);
  SyncDns();  // the DNS thread answers from its own copy
  return absl::OkStatus();
}

}  // namespace berth::netd
