#pragma once

// Docker's volume JSON ↔ berth.v1: the Volume object (inspect, list, create
// answer), the create body and the list/prune filters.

#include <string>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "berth/v1/runtimed.pb.h"
#include "berth/v1/types.pb.h"
#include "services/apid/rest/filters.h"

namespace berth::apid::rest {

// {"CreatedAt", "Driver", "Labels", "Mountpoint", "Name", "Options", "Scope"}.
nlohmann::ordered_json VolumeJson(const v1::Volume& volume);

// POST /volumes/create: {"Name", "Driver", "DriverOpts", "Labels"}.
// InvalidArgument for malformed JSON, wrong types or unknown fields.
absl::StatusOr<v1::CreateVolumeRequest> ParseVolumeCreateBody(const std::string& body);

// The list filters (name, label, dangling, driver); InvalidArgument
// "invalid filter 'x'" for another key or several dangling values.
absl::StatusOr<v1::VolumeFilters> ToVolumeFilters(const Filters& filters);

}  // namespace berth::apid::rest
