// Attach and Detach: the endpoint life cycle of one container.
#include <prometheus/counter.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "absl/cleanup/cleanup.h"
#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status/status.h"
#include "services/netd/network_manager.h"
#include "spdlog/spdlog.h"

namespace berth::netd {
namespace {

// Enough for a race with another program binding the port the kernel just
// offered, and bounded so a broken fake cannot loop forever.
constexpr int kEphemeralAttempts = 16;

constexpr char kContainerModePrefix[] = "container:";

}  // namespace

absl::StatusOr<std::vector<ports::PortSpec>> NetworkManager::ResolvePorts(
    const std::vector<PortRequest>& requests,
    std::vector<std::unique_ptr<ports::PortReservation>>& reservations) {
  std::vector<ports::PortSpec> specs;
  std::vector<uint32_t> range_ends;  // per spec; 0 = not a range
  std::vector<ports::PortSpec> fixed;
  for (const PortRequest& request : requests) {
    BERTH_ASSIGN_OR_RETURN(ports::PortSpec spec,
                           ports::Normalize(request.protocol, request.host_ip, request.host_port,
                                            request.container_port));
    const bool range = request.host_port_end > request.host_port;
    if (range && (request.host_port == 0 || request.host_port_end > 65535)) {
      return absl::InvalidArgumentError(absl::StrCat("invalid host port range ", request.host_port,
                                                     "-", request.host_port_end));
    }
    specs.push_back(spec);
    range_ends.push_back(range ? request.host_port_end : 0);
    if (!range) fixed.push_back(spec);
  }
  std::vector<ports::PortSpec> published;
  for (const auto& [id, endpoint] : endpoints_) {
    published.insert(published.end(), endpoint.record.ports.begin(), endpoint.record.ports.end());
  }
  BERTH_RETURN_IF_ERROR(ports::CheckConflicts(fixed, published));
  // A range never takes a port a fixed binding of this request names.
  std::vector<ports::PortSpec> claimed = published;
  claimed.insert(claimed.end(), fixed.begin(), fixed.end());
  // Reservations the kernel offered but that clash with a published port; held
  // until we return so the kernel offers a different port on the next try.
  std::vector<std::unique_ptr<ports::PortReservation>> rejected;
  for (size_t i = 0; i < specs.size(); ++i) {
    ports::PortSpec& spec = specs[i];
    if (range_ends[i] != 0) {
      BERTH_ASSIGN_OR_RETURN(spec, ReserveFromRange(spec, range_ends[i], claimed, reservations));
      claimed.push_back(spec);
      published.push_back(spec);
      continue;
    }
    // The kernel's choice for port 0 cannot clash with our own published
    // ports while we hold their sockets; the loop covers the ports whose
    // reservation was lost (see AdoptRecord) and ports chosen earlier in
    // this very request.
    for (int attempt = 0;; ++attempt) {
      BERTH_ASSIGN_OR_RETURN(std::unique_ptr<ports::PortReservation> reservation,
                             deps_.ports.Reserve(spec));
      ports::PortSpec resolved = spec;
      resolved.host_port = reservation->port();
      if (spec.host_port != 0 || ports::CheckConflicts({resolved}, claimed).ok()) {
        spec = resolved;
        reservations.push_back(std::move(reservation));
        break;
      }
      if (attempt + 1 == kEphemeralAttempts) {
        return absl::ResourceExhaustedError("no free host port found for a published port");
      }
      rejected.push_back(std::move(reservation));
    }
    published.push_back(spec);
    claimed.push_back(spec);
  }
  return specs;
}

absl::StatusOr<ports::PortSpec> NetworkManager::ReserveFromRange(
    const ports::PortSpec& spec, uint32_t last, const std::vector<ports::PortSpec>& claimed,
    std::vector<std::unique_ptr<ports::PortReservation>>& reservations) {
  for (uint32_t port = spec.host_port; port <= last; ++port) {
    ports::PortSpec candidate = spec;
    candidate.host_port = static_cast<uint16_t>(port);
    if (!ports::CheckConflicts({candidate}, claimed).ok()) continue;
    absl::StatusOr<std::unique_ptr<ports::PortReservation>> reservation =
        deps_.ports.Reserve(candidate);
    if (absl::IsAlreadyExists(reservation.status())) continue;  // a host program has it
    if (!reservation.ok()) return reservation.status();
    reservations.push_back(*std::move(reservation));
    return candidate;
  }
  return absl::AlreadyExistsError(absl::StrCat("Bind for ", ports::DisplayHostIp(spec), ":",
                                               spec.host_port, "-", last,
                                               " failed: all ports are allocated"));
}

absl::Status NetworkManager::PlumbNone(const EndpointRecord& record) {
  BERTH_ASSIGN_OR_RETURN(std::unique_ptr<netlink::Netlink> inside,
                         deps_.netlink.OpenInNetns(record.netns_path));
  return inside->SetUp("lo");
}

absl::StatusOr<std::vector<HostEntry>> NetworkManager::ResolveHostEntries(
    const AttachParams& params, bool links_in_hosts) {
  std::vector<HostEntry> entries;
  for (const std::string& extra : params.extra_hosts) {
    // "name:ip": the name never has a colon, an IPv6 address does.
    const size_t colon = extra.find(':');
    std::string name = extra.substr(0, colon);
    std::string ip = colon == std::string::npos ? "" : extra.substr(colon + 1);
    if (ip == "host-gateway") {
      // Docker's default host-gateway-ip: the default bridge's gateway.
      auto bridge = FindBridgeNetwork("bridge");
      if (!bridge.ok() || *bridge == nullptr) return absl::InternalError("no default bridge");
      ip = (*bridge)->record.gateway;
    }
    in6_addr v6{};
    if (name.empty() || name.find_first_of(" \t\n") != std::string::npos ||
        (!ipam::ParseIpv4(ip).ok() && ::inet_pton(AF_INET6, ip.c_str(), &v6) != 1)) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid IP address in add-host: \"", ip, "\""));
    }
    entries.push_back({ip, name});
  }
  for (const LinkRequest& link : params.links) {
    if (!links_in_hosts) continue;  // DNS aliases on a user network (dns_links)
    auto child = endpoints_.find(link.container_id);
    BERTH_ASSIGN_OR_RETURN(Network * bridge, FindBridgeNetwork("bridge"));
    const InterfaceRecord* iface =
        child == endpoints_.end() ? nullptr : child->second.record.InterfaceOn(bridge->record.id);
    if (iface == nullptr) {
      return absl::FailedPreconditionError(absl::StrCat(
          "cannot link to container ", link.container_id, ": it has no address on the default "
          "bridge network"));
    }
    entries.push_back({iface->ip_address, link.names});
  }
  return entries;
}

absl::StatusOr<AttachResult> NetworkManager::AttachLocked(const AttachParams& params) {
  const std::string& id = params.container_id;
  BERTH_RETURN_IF_ERROR(ValidateContainerId(id));
  if (auto it = endpoints_.find(id); it != endpoints_.end()) {
    return ResultFor(it->second.record);
  }
  const std::string mode_name =
      params.network_mode.empty() || params.network_mode == "default" ? "bridge"
                                                                      : params.network_mode;
  Endpoint endpoint;
  EndpointRecord& record = endpoint.record;
  record.container_id = id;
  record.container_name = params.container_name;
  record.hostname = params.hostname;
  record.dns = params.dns;

  Network* primary = nullptr;
  if (mode_name == "host") {
    // The host's namespace: no interfaces, no ports (Docker discards them).
    BERTH_RETURN_IF_ERROR(EnsureHostNetns());
    record.mode = "host";
    record.netns_path = paths_.host_netns_path();
  } else if (mode_name.rfind(kContainerModePrefix, 0) == 0) {
    record.joined = mode_name.substr(sizeof(kContainerModePrefix) - 1);
    auto joined = endpoints_.find(record.joined);
    if (record.joined == id) return absl::InvalidArgumentError("cannot join own network");
    if (joined == endpoints_.end()) {
      // Docker's text; apid checks the same before asking.
      return absl::FailedPreconditionError(absl::StrCat(
          "cannot join network of a non running container: ", record.joined));
    }
    record.mode = "container";
    record.netns_path = joined->second.record.netns_path;
  } else {
    std::string predefined;
    BERTH_ASSIGN_OR_RETURN(primary, FindBridgeNetwork(mode_name, &predefined));
    record.mode = primary == nullptr ? "none" : "bridge";
    record.netns_path = paths_.netns_path(id);
  }
  // Docker's two kinds of --link: /etc/hosts lines on the default bridge, a
  // DNS alias only the linking container sees on a user network.
  const bool user_network = primary != nullptr && !primary->predefined;
  BERTH_ASSIGN_OR_RETURN(record.extra_hosts, ResolveHostEntries(params, !user_network));
  if (user_network) {
    for (const LinkRequest& link : params.links) {
      record.dns_links.push_back({link.container_id, link.names.substr(0, link.names.find(' '))});
    }
  }

  // From here on every failure undoes all of the above: leases, and after
  // the record is written, the kernel objects. The record is written as
  // "creating" before the first kernel object exists, so a crash is undone
  // by Recover the same way.
  absl::Cleanup undo = [&]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    absl::Status status = RemoveResources(record);
    if (!status.ok()) {
      spdlog::error("container={} undo of a failed attach: {}", id, status.ToString());
    }
  };
  if (primary != nullptr) {
    // The network_mode network first (eth0, the default route), then every
    // other requested network in order. Docker ignores published ports for
    // other modes, and so do we.
    std::vector<std::pair<Network*, NetworkRequest>> plan;
    NetworkRequest first{mode_name, params.aliases, "", ""};
    auto find = [&](const std::string& name) ABSL_NO_THREAD_SAFETY_ANALYSIS {
      return FindBridgeNetwork(name == "default" ? "bridge" : name);
    };
    for (const NetworkRequest& request : params.networks) {
      BERTH_ASSIGN_OR_RETURN(Network * network, find(request.network));
      if (network == primary) {
        first.aliases.insert(first.aliases.end(), request.aliases.begin(), request.aliases.end());
        first.ipv4_address = request.ipv4_address;
        first.mac_address = request.mac_address;
      }
    }
    plan.push_back({primary, first});
    for (const NetworkRequest& request : params.networks) {
      BERTH_ASSIGN_OR_RETURN(Network * network, find(request.network));
      bool seen = false;
      for (const auto& [planned, r] : plan) seen = seen || planned == network;
      if (!seen) plan.push_back({network, request});
    }
    BERTH_ASSIGN_OR_RETURN(record.ports, ResolvePorts(params.ports, endpoint.reservations));
    for (size_t i = 0; i < plan.size(); ++i) {
      BERTH_ASSIGN_OR_RETURN(InterfaceRecord iface,
                             PlanInterface(id, *plan[i].first, plan[i].second,
                                           static_cast<int>(i), /*default_route=*/i == 0));
      record.interfaces.push_back(std::move(iface));
    }
  }
  BERTH_RETURN_IF_ERROR(store_.Put(record));
  if (record.OwnsNamespace()) {
    BERTH_RETURN_IF_ERROR(deps_.netns.Create(record.netns_path));
    BERTH_RETURN_IF_ERROR(PlumbNone(record));
  }
  for (InterfaceRecord& iface : record.interfaces) {
    BERTH_RETURN_IF_ERROR(PlumbInterface(record, iface));
  }

  endpoints_[id] = Endpoint{record, std::move(endpoint.reservations)};
  absl::Status status = ApplyRuleset();
  if (status.ok()) {
    record.state = EndpointState::kActive;
    status = store_.Put(record);
  }
  if (!status.ok()) {
    endpoints_.erase(id);
    // A failed load left the previous table in place (one transaction); a
    // failed Put did not, so the rules are rendered again without this one.
    absl::Status reapply = ApplyRuleset();
    if (!reapply.ok()) spdlog::error("container={} {}", id, reapply.ToString());
    return status;
  }
  endpoints_[id].record.state = EndpointState::kActive;
  std::move(undo).Cancel();
  SyncDns();
  UpdateGauges();
  // Docker reports a start's networks as connect events, and the stop's as
  // disconnects.
  for (const InterfaceRecord& iface : record.interfaces) {
    EmitNetworkEvent("connect", iface.network_id, iface.network_name, id);
  }
  spdlog::info("container={} attached: mode={} interfaces={} ip={} ports={}", id, mode_name,
               record.interfaces.size(), record.primary().ip_address, record.ports.size());
  AttachResult result = ResultFor(record);
  result.created = true;
  return result;
}

absl::StatusOr<AttachResult> NetworkManager::Attach(const AttachParams& params) {
  absl::MutexLock lock(&mu_);
  auto result = AttachLocked(params);
  if (result.ok()) {
    deps_.metrics.attach_ok.Increment();
  } else {
    deps_.metrics.attach_error.Increment();
    spdlog::error("container={} attach failed: {}", params.container_id,
                  result.status().ToString());
  }
  return result;
}

absl::Status NetworkManager::DeleteOwnVeth(const std::string& name) {
  auto link = deps_.netlink.GetLink(name);
  if (absl::IsNotFound(link.status())) return absl::OkStatus();
  if (!link.ok()) return link.status();
  // Names derive from container ids, so another stack attaching the same id
  // has a veth of the same name: that one is enslaved to its own bridge.
  // Ours is on one of our bridges, or on none if Attach stopped before
  // SetMaster.
  BERTH_ASSIGN_OR_RETURN(std::set<int> bridges, OwnBridgeIndexes());
  if (link->master_index != 0 && bridges.count(link->master_index) == 0) {
    spdlog::warn("not deleting link {}: it belongs to another bridge", name);
    return absl::OkStatus();
  }
  // Deleting one end of a veth pair deletes the other, inside the netns.
  absl::Status status = deps_.netlink.DeleteLink(name);
  return absl::IsNotFound(status) ? absl::OkStatus() : status;
}

absl::Status NetworkManager::RemoveResources(const EndpointRecord& record) {
  absl::Status first;
  auto keep = [&first](const absl::Status& status) {
    if (first.ok() && !status.ok()) first = status;
  };
  for (const InterfaceRecord& iface : record.interfaces) {
    keep(RemoveInterface(record.container_id, iface));
  }
  // host and container: modes use a namespace that is not this endpoint's.
  if (record.OwnsNamespace()) keep(deps_.netns.Remove(record.netns_path));
  // The record goes last: while anything above failed, it is what lets a
  // retry (or Recover) find the leftovers.
  if (first.ok()) keep(store_.Delete(record.container_id));
  return first;
}

absl::Status NetworkManager::Detach(const std::string& container_id) {
  absl::MutexLock lock(&mu_);
  BERTH_RETURN_IF_ERROR(ValidateContainerId(container_id));
  auto it = endpoints_.find(container_id);
  if (it == endpoints_.end()) return absl::OkStatus();
  Endpoint endpoint = std::move(it->second);
  endpoints_.erase(it);
  // Rules first: a published port must stop pointing at the address before
  // the address can go back to the pool.
  absl::Status status = ApplyRuleset();
  const bool rules_removed = status.ok();
  if (rules_removed) {
    endpoint.reservations.clear();
    status = RemoveResources(endpoint.record);
  }
  if (!status.ok()) {
    if (rules_removed && !endpoint.record.ports.empty()) {
      // The rules no longer publish these ports and their sockets are
      // closed; keep it that way when the retry renders the table again.
      endpoint.record.ports.clear();
      absl::Status put = store_.Put(endpoint.record);
      if (!put.ok()) spdlog::error("container={} {}", container_id, put.ToString());
    }
    endpoints_[container_id] = std::move(endpoint);
    deps_.metrics.detach_error.Increment();
    spdlog::error("container={} detach failed: {}", container_id, status.ToString());
    return Annotate(status, absl::StrCat("detach '", container_id, "'"));
  }
  deps_.metrics.detach_ok.Increment();
  SyncDns();
  UpdateGauges();
  for (const InterfaceRecord& iface : endpoint.record.interfaces) {
    EmitNetworkEvent("disconnect", iface.network_id, iface.network_name, container_id);
  }
  spdlog::info("container={} detached", container_id);
  return absl::OkStatus();
}

}  // namespace berth::netd
