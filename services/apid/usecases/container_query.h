#pragma once

// What a container list selects, as dockerd decides it, for every face: the
// REST `filters`/`limit` query and the gRPC ListContainers request both
// become one ContainerListQuery that ContainerService::List answers.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "berth/v1/types.pb.h"

namespace berth::apid {

// Filter key → values: values of one key are alternatives, keys must all
// match (label values must all match too, as dockerd's).
using ContainerFilters = std::map<std::string, std::vector<std::string>>;

struct ContainerListQuery {
  bool all = false;          // stopped containers too
  ContainerFilters filters;  // status, label, name, id, exited, health
  int64_t limit = -1;        // the newest N; <= 0 for no limit
};

// Docker's lowercase state name ("created", "running", "exited", ...).
std::string StateName(v1::ContainerStatus status);

// The container's health status ("starting", "healthy", "unhealthy"), or ""
// when it has no healthcheck or was never started with one.
std::string HealthStatus(const v1::Container& c);

// InvalidArgument "invalid filter 'x'" for a key the list does not support.
absl::Status ValidateContainerFilters(const ContainerFilters& filters);

// True when `c` passes every filter key.
bool ContainerMatches(const v1::Container& c, const ContainerFilters& filters);

// As dockerd: a status or exited filter, or a limit, looks at stopped
// containers too.
bool ListIncludesStopped(const ContainerListQuery& query);

}  // namespace berth::apid
