#pragma once

// Docker JSON ↔ berth.v1 for containers: the create body (docker-api.md §3.4),
// the inspect object and the list entry (§3.2), and the human Status text.

#include <string>

#include <nlohmann/json.hpp>

#include "common/format/human_duration.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "berth/v1/types.pb.h"
#include "services/apid/usecases/container_query.h"  // StateName, HealthStatus

namespace berth::apid::rest {

// Parses a create body as the docker CLI or docker-py sends it. Unknown fields
// and fields at their zero/default value are ignored; a field set to something
// Berth does not support is refused with InvalidArgument naming it ("
// HostConfig.Privileged is not supported yet"); malformed JSON or a field of
// the wrong type is InvalidArgument too. Image defaults are not merged here.
absl::StatusOr<v1::ContainerConfig> ParseCreateBody(const std::string& body);

// GET /containers/{id}/json.
std::string ContainerInspectJson(const v1::Container& c);

// One entry of GET /containers/json, as a JSON text fragment.
std::string ContainerListEntryJson(const v1::Container& c, absl::Time now);
// The same entry as a JSON value (docker system df adds its sizes to it).
nlohmann::ordered_json ContainerListEntry(const v1::Container& c, absl::Time now);

// The human Status column: "Created", "Up 2 seconds", "Up 3 minutes (Paused)",
// "Exited (3) 5 seconds ago", "Restarting (1) 2 seconds ago", "Dead".
std::string StatusText(const v1::ContainerState& state, absl::Time now);

// Docker's HumanDuration (shared with the berth CLI).
using ::berth::format::HumanDuration;

// The process the container runs, as one string ("httpd -f -p 80").
std::string CommandLine(const v1::Container& c);

}  // namespace berth::apid::rest
