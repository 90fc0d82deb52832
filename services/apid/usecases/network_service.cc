#include "services/apid/usecases/network_service.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"

namespace berth::apid {
namespace {

bool LabelMatches(const v1::Network& n, const std::string& want) {
  size_t eq = want.find('=');
  if (eq == std::string::npos) return n.labels().contains(want);
  auto it = n.labels().find(want.substr(0, eq));
  return it != n.labels().end() && it->second == want.substr(eq + 1);
}

bool AnyOf(const std::vector<std::string>& values, const std::function<bool(const std::string&)>& f) {
  return std::any_of(values.begin(), values.end(), f);
}

absl::Status ValidateFilters(const NetworkFilters& filters, const std::vector<std::string>& keys) {
  for (const auto& [key, values] : filters) {
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
      return absl::InvalidArgumentError(absl::StrCat("invalid filter '", key, "'"));
    }
    if (key == "type") {
      for (const std::string& v : values) {
        if (v != "custom" && v != "builtin") {
          return absl::InvalidArgumentError(absl::StrCat("invalid filter: 'type'='", v, "'"));
        }
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

bool NetworkMatches(const v1::Network& n, const NetworkFilters& filters) {
  for (const auto& [key, values] : filters) {
    if (values.empty()) continue;
    bool ok = true;
    if (key == "name") {
      ok = AnyOf(values, [&](const std::string& v) { return absl::StrContains(n.name(), v); });
    } else if (key == "id") {
      ok = AnyOf(values, [&](const std::string& v) { return absl::StartsWith(n.id(), v); });
    } else if (key == "label") {
      // Every label filter must hold (dockerd ANDs labels).
      ok = std::all_of(values.begin(), values.end(),
                       [&](const std::string& v) { return LabelMatches(n, v); });
    } else if (key == "label!") {
      ok = std::none_of(values.begin(), values.end(),
                        [&](const std::string& v) { return LabelMatches(n, v); });
    } else if (key == "driver") {
      ok = AnyOf(values, [&](const std::string& v) { return n.driver() == v; });
    } else if (key == "type") {
      ok = AnyOf(values, [&](const std::string& v) {
        return (v == "builtin") == n.predefined();
      });
    } else if (key == "scope") {
      ok = AnyOf(values, [&](const std::string& v) { return v == "local"; });
    }
    if (!ok) return false;
  }
  return true;
}

absl::StatusOr<std::vector<v1::Network>> NetworkService::List(const NetworkFilters& filters) {
  if (absl::Status s =
          ValidateFilters(filters, {"name", "id", "label", "label!", "driver", "type", "scope"});
      !s.ok()) {
    return s;
  }
  absl::StatusOr<std::vector<v1::Network>> all = netd_.ListNetworks();
  if (!all.ok()) return all.status();
  std::vector<v1::Network> out;
  for (v1::Network& n : *all) {
    if (NetworkMatches(n, filters)) out.push_back(std::move(n));
  }
  return out;
}

absl::StatusOr<v1::Network> NetworkService::Inspect(const std::string& network) {
  return netd_.InspectNetwork(network);
}

absl::StatusOr<v1::Network> NetworkService::Create(const v1::CreateNetworkRequest& request) {
  absl::StatusOr<v1::Network> created = netd_.CreateNetwork(request);
  if (created.ok()) spdlog::info("network={} created name={}", created->id().substr(0, 12), created->name());
  return created;
}

absl::Status NetworkService::Remove(const std::string& network) {
  return netd_.RemoveNetwork(network);
}

absl::StatusOr<std::vector<std::string>> NetworkService::Prune(const NetworkFilters& filters) {
  if (absl::Status s = ValidateFilters(filters, {"label", "label!"}); !s.ok()) return s;
  absl::StatusOr<std::vector<v1::Network>> all = netd_.ListNetworks();
  if (!all.ok()) return all.status();
  std::vector<std::string> removed;
  for (const v1::Network& n : *all) {
    if (n.predefined() || n.containers_size() > 0 || !NetworkMatches(n, filters)) continue;
    absl::Status status = netd_.RemoveNetwork(n.id());
    // A container joined it since the list: it is in use, not prunable.
    if (absl::IsFailedPrecondition(status) || absl::IsNotFound(status)) continue;
    if (!status.ok()) return status;
    removed.push_back(n.name());
  }
  return removed;
}

namespace {

bool SameNetwork(const v1::NetworkEndpointSettings& entry, const v1::Network& network) {
  return entry.network() == network.name() || entry.network() == network.id() ||
         (entry.network().size() >= 12 && network.id().rfind(entry.network(), 0) == 0);
}

}  // namespace

absl::Status NetworkService::Connect(const std::string& network, const std::string& container,
                                     const v1::NetworkEndpointSettings& settings) {
  absl::StatusOr<v1::Network> found = netd_.InspectNetwork(network);
  if (!found.ok()) return found.status();
  absl::StatusOr<v1::Container> record = runtimed_.InspectContainer(container);
  if (!record.ok()) return record.status();
  if (record->state().status() != v1::CONTAINER_STATUS_RUNNING) {
    // Docker edits a stopped container's endpoint config for its next
    // start (docker-compose connects created containers before starting).
    const std::string& mode = record->config().network_mode();
    if (mode == "none") {
      return absl::FailedPreconditionError(
          "container cannot be connected to multiple networks with one of the networks in "
          "private (none) mode");
    }
    if (mode == "host" || mode.rfind("container:", 0) == 0) {
      return absl::FailedPreconditionError(
          "container sharing network namespace with another container or host cannot be "
          "connected to any other network");
    }
    v1::SetContainerNetworksRequest request;
    request.set_container(record->id());
    for (const v1::NetworkEndpointSettings& entry : record->config().networks()) {
      if (!SameNetwork(entry, *found)) *request.add_networks() = entry;
    }
    v1::NetworkEndpointSettings* added = request.add_networks();
    *added = settings;
    added->set_network(found->name());
    absl::StatusOr<v1::Container> updated = runtimed_.SetContainerNetworks(request);
    if (!updated.ok()) return updated.status();
    spdlog::info("container={} will join network {} at start", record->id().substr(0, 12),
                 found->name());
    return absl::OkStatus();
  }
  v1::ConnectNetworkRequest request;
  request.set_container_id(record->id());
  *request.mutable_settings() = settings;
  request.mutable_settings()->set_network(found->id());
  absl::StatusOr<v1::NetworkSummary> summary = netd_.ConnectNetwork(request);
  if (!summary.ok()) return summary.status();
  spdlog::info("container={} connected to network {}", record->id().substr(0, 12),
               found->name());
  return absl::OkStatus();
}

absl::Status NetworkService::Disconnect(const std::string& network, const std::string& container) {
  absl::StatusOr<v1::Network> found = netd_.InspectNetwork(network);
  if (!found.ok()) return found.status();
  absl::StatusOr<v1::Container> record = runtimed_.InspectContainer(container);
  if (!record.ok()) return record.status();
  if (record->state().status() != v1::CONTAINER_STATUS_RUNNING) {
    v1::SetContainerNetworksRequest request;
    request.set_container(record->id());
    bool removed = false;
    for (const v1::NetworkEndpointSettings& entry : record->config().networks()) {
      if (SameNetwork(entry, *found)) {
        removed = true;
      } else {
        *request.add_networks() = entry;
      }
    }
    const std::string& mode = record->config().network_mode();
    const bool is_mode = mode == found->name() || mode == found->id();
    if (!removed && !is_mode) {
      return absl::NotFoundError(absl::StrCat("container ", record->id(),
                                              " is not connected to network ", found->name()));
    }
    // The network mode's own network stays the container's network; only
    // its settings (aliases, address) go.
    absl::StatusOr<v1::Container> updated = runtimed_.SetContainerNetworks(request);
    if (!updated.ok()) return updated.status();
    return absl::OkStatus();
  }
  absl::StatusOr<v1::NetworkSummary> summary = netd_.DisconnectNetwork(record->id(), found->id());
  if (!summary.ok()) return summary.status();
  spdlog::info("container={} disconnected from network {}", record->id().substr(0, 12),
               found->name());
  return absl::OkStatus();
}

}  // namespace berth::apid
