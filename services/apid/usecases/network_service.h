#pragma once

// Networks: list (with Docker's filters), inspect, create, remove, prune,
// connect and disconnect. netd owns networks and endpoints; this layer
// resolves container names through runtimed and applies the filters, so the
// REST and gRPC faces only translate.

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "berth/v1/netd.pb.h"
#include "services/apid/clients/clients.h"

namespace berth::apid {

// Docker's filters: key → values (values of a key OR-ed, keys AND-ed).
using NetworkFilters = std::map<std::string, std::vector<std::string>>;

class NetworkService {
 public:
  NetworkService(NetdClient& netd, RuntimedClient& runtimed) : netd_(netd), runtimed_(runtimed) {}

  // Filters: name (substring), id (prefix), label ("k" or "k=v"), driver,
  // type ("custom" or "builtin"), scope ("local"). InvalidArgument
  // "invalid filter 'x'" for another key or a bad type value.
  absl::StatusOr<std::vector<v1::Network>> List(const NetworkFilters& filters);

  // NotFound "network X not found".
  absl::StatusOr<v1::Network> Inspect(const std::string& network);

  absl::StatusOr<v1::Network> Create(const v1::CreateNetworkRequest& request);

  absl::Status Remove(const std::string& network);

  // Removes every user network no container uses and that passes `filters`
  // (label, label!); returns the names removed.
  absl::StatusOr<std::vector<std::string>> Prune(const NetworkFilters& filters);

  // Connects a container (name, id or id prefix) to a network: a running
  // one through netd (hot-plug), another by editing its networks for its
  // next start. FailedPrecondition for modes none, host and container:.
  absl::Status Connect(const std::string& network, const std::string& container,
                       const v1::NetworkEndpointSettings& settings);

  // Disconnects a container from a network (running: netd; otherwise its
  // settings for that network are dropped from its config).
  absl::Status Disconnect(const std::string& network, const std::string& container);

 private:
  NetdClient& netd_;
  RuntimedClient& runtimed_;
};

// True when `n` passes every filter (exposed for tests).
bool NetworkMatches(const v1::Network& n, const NetworkFilters& filters);

}  // namespace berth::apid
