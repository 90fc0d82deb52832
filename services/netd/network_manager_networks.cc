// Networks: the default bridge and user-defined bridge networks (create,
// list, inspect, remove). Pure planning (PlanNetwork) comes before any file
// or kernel object, and the record is written before the bridge exists.
#include <algorithm>
#include <cstdlib>
#include <ctime>

#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/status/status.h"
#include "services/netd/ipam/subnet_chooser.h"
#include "services/netd/network_manager.h"
#include "spdlog/spdlog.h"

namespace berth::netd {
namespace {

template <typename T>
absl::StatusOr<T> WithContext(absl::StatusOr<T> result, const std::string& context) {
  if (!result.ok()) return Annotate(result.status(), context);
  return result;
}

constexpr char kBridgeNameOption[] = "com.docker.network.bridge.name";
constexpr char kMtuOption[] = "com.docker.network.driver.mtu";

std::string NewNetworkId() {
  absl::BitGen gen;
  std::string id;
  for (int i = 0; i < 4; ++i) {
    absl::StrAppend(&id, absl::StrFormat("%016x", absl::Uniform<uint64_t>(gen)));
  }
  return id;
}

// Docker's rule for network names.
absl::Status ValidateNetworkName(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 128 && absl::ascii_isalnum(name[0]);
  for (char c : name) ok = ok && (absl::ascii_isalnum(c) || c == '_' || c == '.' || c == '-');
  if (!ok) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid network name '", name, "': want [a-zA-Z0-9][a-zA-Z0-9_.-]* (at most 128)"));
  }
  return absl::OkStatus();
}

std::string Rfc3339Now() {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E9SZ", absl::Now(), absl::UTCTimeZone());
}

ipam::Ipv4Subnet ToSubnet(const netlink::Ipv4Prefix& prefix) {
  auto ip = ipam::ParseIpv4(prefix.address);
  ipam::Ipv4Subnet subnet{ip.ok() ? *ip : 0, prefix.prefix_len};
  subnet.network &= subnet.mask();
  return subnet;
}

}  // namespace

ipam::Ipv4Subnet NetworkManager::RangeOf(const Network& network) {
  if (network.record.ip_range.empty()) return network.subnet;
  auto range = ipam::ParseSubnet(network.record.ip_range);
  return range.ok() ? *range : network.subnet;
}

absl::StatusOr<NetworkManager::Network> NetworkManager::MakeNetwork(NetworkRecord record,
                                                                    bool predefined,
                                                                    std::string lease_file) {
  BERTH_ASSIGN_OR_RETURN(ipam::Ipv4Subnet subnet, ipam::ParseSubnet(record.subnet));
  BERTH_ASSIGN_OR_RETURN(uint32_t gateway, ipam::ParseIpv4(record.gateway));
  Network network{std::move(record), subnet, predefined, ipam::LeaseStore(std::move(lease_file)),
                  ipam::AddressPool(subnet)};
  ipam::AddressPool empty(subnet, gateway, RangeOf(network));
  BERTH_ASSIGN_OR_RETURN(network.pool, network.leases.Load(std::move(empty)));
  return network;
}

absl::Status NetworkManager::LoadUserNetworks() {
  networks_.clear();
  NetworkRecord bridge;
  bridge.id = network_ids_["bridge"];
  bridge.name = "bridge";
  bridge.subnet = subnet_.ToString();
  bridge.gateway = ipam::FormatIpv4(subnet_.gateway());
  bridge.bridge = config_.bridge;
  BERTH_ASSIGN_OR_RETURN(Network network,
                         MakeNetwork(std::move(bridge), /*predefined=*/true, paths_.leases_file()));
  networks_.emplace(network.record.id, std::move(network));
  BERTH_ASSIGN_OR_RETURN(std::vector<NetworkRecord> records, network_store_.LoadAll());
  for (NetworkRecord& record : records) {
    std::string lease_file = paths_.leases_file(record.id);
    auto user = MakeNetwork(record, /*predefined=*/false, std::move(lease_file));
    if (!user.ok()) return Annotate(user.status(), absl::StrCat("network '", record.name, "'"));
    networks_.emplace(user->record.id, std::move(*user));
  }
  return absl::OkStatus();
}

absl::StatusOr<NetworkManager::Network*> NetworkManager::FindBridgeNetwork(
    const std::string& name_or_id, std::string* predefined) {
  auto not_found = absl::NotFoundError(absl::StrCat("network ", name_or_id, " not found"));
  if (name_or_id.empty()) return not_found;
  for (const char* name : {"host", "none"}) {
    if (name_or_id == name || name_or_id == network_ids_[name]) {
      if (predefined == nullptr) return not_found;
      *predefined = name;
      return nullptr;
    }
  }
  for (auto& [id, network] : networks_) {
    if (id == name_or_id || network.record.name == name_or_id) return &network;
  }
  // A unique id prefix, as Docker accepts.
  Network* match = nullptr;
  for (auto& [id, network] : networks_) {
    if (id.rfind(name_or_id, 0) != 0) continue;
    if (match != nullptr) return not_found;
    match = &network;
  }
  if (match == nullptr) return not_found;
  return match;
}

NetworkInfo NetworkManager::InfoFor(const Network& network) {
  NetworkInfo info;
  static_cast<NetworkRecord&>(info) = network.record;
  info.predefined = network.predefined;
  for (const auto& [id, endpoint] : endpoints_) {
    const InterfaceRecord* iface = endpoint.record.InterfaceOn(network.record.id);
    if (iface == nullptr) continue;
    info.containers.push_back({id, endpoint.record.container_name, iface->endpoint_id,
                               iface->mac_address,
                               absl::StrCat(iface->ip_address, "/", iface->prefix_len)});
  }
  return info;
}

std::vector<NetworkInfo> NetworkManager::ListNetworks() {
  absl::MutexLock lock(&mu_);
  std::vector<NetworkInfo> out;
  std::vector<NetworkInfo> user;
  for (const auto& [id, network] : networks_) {
    (network.predefined ? out : user).push_back(InfoFor(network));
  }
  for (const auto& [name, driver] : {std::pair{"host", "host"}, std::pair{"none", "null"}}) {
    NetworkInfo info;
    info.id = network_ids_[name];
    info.name = name;
    info.driver = driver;
    info.predefined = true;
    for (const auto& [id, endpoint] : endpoints_) {
      if (endpoint.record.mode == name) info.containers.push_back({id, endpoint.record.container_name});
    }
    out.push_back(std::move(info));
  }
  std::sort(user.begin(), user.end(),
            [](const NetworkInfo& a, const NetworkInfo& b) { return a.name < b.name; });
  out.insert(out.end(), user.begin(), user.end());
  return out;
}

absl::StatusOr<NetworkInfo> NetworkManager::InspectNetwork(const std::string& name_or_id) {
  std::string predefined;
  {
    absl::MutexLock lock(&mu_);
    BERTH_ASSIGN_OR_RETURN(Network * network, FindBridgeNetwork(name_or_id, &predefined));
    if (network != nullptr) return InfoFor(*network);
  }
  for (NetworkInfo& info : ListNetworks()) {
    if (info.name == predefined) return std::move(info);
  }
  return absl::NotFoundError(absl::StrCat("network ", name_or_id, " not found"));
}

absl::StatusOr<NetworkRecord> NetworkManager::PlanNetwork(const CreateNetworkParams& params) {
  BERTH_RETURN_IF_ERROR(ValidateNetworkName(params.name));
  for (const char* name : {"bridge", "host", "none"}) {
    if (params.name == name) {
      return absl::PermissionDeniedError(absl::StrCat(
          "operation is not permitted on predefined ", name, " network "));
    }
  }
  for (const auto& [id, network] : networks_) {
    if (network.record.name == params.name) {
      return absl::AlreadyExistsError(
          absl::StrCat("network with name ", params.name, " already exists"));
    }
  }
  if (!params.driver.empty() && params.driver != "bridge") {
    return absl::InvalidArgumentError(
        absl::StrCat("network driver '", params.driver, "' is not supported (only bridge)"));
  }
  NetworkRecord record;
  record.id = NewNetworkId();
  record.name = params.name;
  record.internal = params.internal;
  record.attachable = params.attachable;
  record.labels = params.labels;
  record.options = params.options;
  record.created = Rfc3339Now();
  record.bridge = absl::StrCat("br-", record.id.substr(0, 12));
  for (const auto& [key, value] : params.options) {
    if (key == kBridgeNameOption) {
      if (value.empty() || value.size() > 15 || value.find_first_of("/ \t\n:") != std::string::npos) {
        return absl::InvalidArgumentError(absl::StrCat(
            "invalid ", kBridgeNameOption, " '", value, "': want an interface name of 1..15 chars"));
      }
      record.bridge = value;
    } else if (key == kMtuOption) {
      int mtu = 0;
      if (!absl::SimpleAtoi(value, &mtu) || mtu < 68 || mtu > 65535) {
        return absl::InvalidArgumentError(
            absl::StrCat("invalid ", kMtuOption, " '", value, "': want 68..65535"));
      }
      record.mtu = mtu;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("network option '", key, "' is not supported"));
    }
  }
  for (const auto& [id, network] : networks_) {
    if (network.record.bridge == record.bridge) {
      return absl::AlreadyExistsError(absl::StrCat("bridge name ", record.bridge,
                                                   " is already used by network ",
                                                   network.record.name));
    }
  }
  if (deps_.netlink.GetLink(record.bridge).ok()) {
    return absl::AlreadyExistsError(
        absl::StrCat("a link named ", record.bridge, " already exists on the host"));
  }

  std::vector<ipam::Ipv4Subnet> taken;
  for (const auto& [id, network] : networks_) taken.push_back(network.subnet);
  ipam::Ipv4Subnet subnet;
  if (params.subnet.empty()) {
    if (!params.gateway.empty() || !params.ip_range.empty()) {
      return absl::InvalidArgumentError("a gateway or ip-range needs a subnet");
    }
    BERTH_ASSIGN_OR_RETURN(std::vector<netlink::Ipv4Prefix> routes, deps_.netlink.ListRoutes());
    for (const netlink::Ipv4Prefix& route : routes) taken.push_back(ToSubnet(route));
    BERTH_ASSIGN_OR_RETURN(subnet, ipam::ChooseSubnet(ipam::DefaultCandidates(), taken));
  } else {
    BERTH_ASSIGN_OR_RETURN(subnet, WithContext(ipam::ParseSubnet(params.subnet), "subnet"));
    for (const auto& [id, network] : networks_) {
      if (ipam::Overlaps(subnet, network.subnet)) {
        return absl::AlreadyExistsError(absl::StrCat("invalid pool request: Pool overlaps with ",
                                                     "other one on this address space (network ",
                                                     network.record.name, ", ",
                                                     network.subnet.ToString(), ")"));
      }
    }
  }
  record.subnet = subnet.ToString();
  uint32_t gateway = subnet.gateway();
  if (!params.gateway.empty()) {
    BERTH_ASSIGN_OR_RETURN(gateway, WithContext(ipam::ParseIpv4(params.gateway), "gateway"));
    if (!subnet.Contains(gateway) || gateway == subnet.network || gateway == subnet.broadcast()) {
      return absl::InvalidArgumentError(absl::StrCat("gateway ", params.gateway,
                                                     " is not a host address of ",
                                                     subnet.ToString()));
    }
  }
  record.gateway = ipam::FormatIpv4(gateway);
  if (!params.ip_range.empty()) {
    BERTH_ASSIGN_OR_RETURN(ipam::Ipv4Subnet range, WithContext(ipam::ParseSubnet(params.ip_range), "ip-range"));
    if (!subnet.Contains(range.network) || range.prefix_len < subnet.prefix_len) {
      return absl::InvalidArgumentError(
          absl::StrCat("ip-range ", params.ip_range, " is not inside subnet ", subnet.ToString()));
    }
    record.ip_range = range.ToString();
  }
  return record;
}

absl::StatusOr<NetworkInfo> NetworkManager::CreateNetwork(const CreateNetworkParams& params) {
  absl::MutexLock lock(&mu_);
  BERTH_ASSIGN_OR_RETURN(NetworkRecord record, PlanNetwork(params));
  BERTH_ASSIGN_OR_RETURN(Network network,
                         MakeNetwork(record, /*predefined=*/false, paths_.leases_file(record.id)));
  // A stale lease file of a recycled id cannot exist (ids are random), but
  // the pool starts empty either way.
  network.pool = ipam::AddressPool(network.subnet, network.pool.gateway(), RangeOf(network));
  BERTH_RETURN_IF_ERROR(network_store_.Put(record));
  absl::Status status = EnsureBridge(network);
  if (status.ok()) status = SaveLeases(network);
  const std::string id = record.id;
  if (status.ok()) {
    networks_.emplace(id, std::move(network));
    status = ApplyRuleset();
    if (!status.ok()) networks_.erase(id);
  }
  if (!status.ok()) {
    absl::Status undo = deps_.netlink.DeleteLink(record.bridge);
    if (!undo.ok() && !absl::IsNotFound(undo)) spdlog::error("undo network: {}", undo.ToString());
    undo = network.leases.Delete();
    if (undo.ok()) undo = network_store_.Delete(id);
    if (!undo.ok()) spdlog::error("undo network: {}", undo.ToString());
    return Annotate(status, absl::StrCat("create network '", params.name, "'"));
  }
  UpdateGauges();
  spdlog::info("created network {} ({}) on bridge {}: {}", record.name, id.substr(0, 12),
               record.bridge, record.subnet);
  EmitNetworkEvent("create", id, record.name);
  return InfoFor(networks_.at(id));
}

absl::Status NetworkManager::RemoveNetwork(const std::string& name_or_id) {
  absl::MutexLock lock(&mu_);
  std::string predefined;
  BERTH_ASSIGN_OR_RETURN(Network * found, FindBridgeNetwork(name_or_id, &predefined));
  if (found == nullptr || found->predefined) {
    const std::string name = found == nullptr ? predefined : found->record.name;
    return absl::PermissionDeniedError(
        absl::StrCat(name, " is a pre-defined network and cannot be removed"));
  }
  NetworkInfo info = InfoFor(*found);
  if (!info.containers.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "error while removing network: network ", info.name, " id ", info.id,
        " has active endpoints"));
  }
  const std::string id = info.id;
  Network network = std::move(networks_.at(id));
  networks_.erase(id);
  // Rules first (they name the bridge), then the bridge, and the record last
  // so that a crash in between leaves a network Recover brings back whole.
  absl::Status status = ApplyRuleset();
  if (status.ok()) {
    status = deps_.netlink.DeleteLink(network.record.bridge);
    if (absl::IsNotFound(status)) status = absl::OkStatus();
  }
  if (status.ok()) status = network.leases.Delete();
  if (status.ok()) status = network_store_.Delete(id);
  if (!status.ok()) {
    networks_.emplace(id, std::move(network));
    return Annotate(status, absl::StrCat("remove network '", info.name, "'"));
  }
  UpdateGauges();
  spdlog::info("removed network {} ({})", info.name, id.substr(0, 12));
  EmitNetworkEvent("destroy", id, info.name);
  return absl::OkStatus();
}

}  // namespace berth::netd
