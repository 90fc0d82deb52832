#pragma once

// Docker's HostConfig resource fields ↔ berth.v1.Resources: Memory,
// MemorySwap, MemoryReservation, KernelMemory, NanoCpus, CpuShares,
// CpuPeriod, CpuQuota, CpusetCpus, CpusetMems, PidsLimit, BlkioWeight,
// OomKillDisable, ShmSize. Values pass through as sent; runtimed validates
// them with dockerd's error texts (services/runtimed/spec/resources_builder.h).
// The same object shape is the body of POST /containers/{id}/update.

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "berth/v1/types.pb.h"

namespace berth::apid::rest {

// The HostConfig keys ParseResources consumes.
bool IsResourcesHostConfigKey(const std::string& key);

// Reads the resource fields of `hc` (an object). InvalidArgument naming the
// field for a wrong type. PidsLimit: null leaves runtimed's default, 0 or
// negative is Docker's "unlimited" (-1 in the proto).
absl::Status ParseResources(const nlohmann::json& hc, v1::Resources* out);

// The same fields for inspect's HostConfig.
void WriteResources(const v1::Resources& in, nlohmann::ordered_json& hc);

}  // namespace berth::apid::rest
