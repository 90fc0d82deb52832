#pragma once

// Docker's storage fields ↔ berth.v1: HostConfig.Binds, Mounts, Tmpfs and
// VolumesFrom, Config.Volumes, and the "Mounts" array of inspect and list.
// Binds and Tmpfs strings are passed through as the client wrote them;
// runtimed parses and resolves them (services/runtimed/volumes/mount_spec.h)
// so that the REST and gRPC faces refuse the same specs with the same words.

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "berth/v1/types.pb.h"

namespace berth::apid::rest {

// The HostConfig keys ParseMountOptions consumes.
bool IsMountsHostConfigKey(const std::string& key);

// Reads Binds, Mounts, Tmpfs and VolumesFrom of HostConfig `hc` (an object).
// InvalidArgument for a wrong type or a Mounts entry Berth cannot honour
// (another volume driver, a consistency other than the defaults).
absl::Status ParseMountOptions(const nlohmann::json& hc, v1::ContainerConfig* out);

// Config.Volumes: {"/path": {}} → anonymous volumes.
absl::Status ParseConfigVolumes(const nlohmann::json& config, v1::ContainerConfig* out);

// The same fields for inspect's HostConfig (Docker's null for empty lists).
void WriteMountOptions(const v1::ContainerConfig& in, nlohmann::ordered_json& hc);

// The container's "Mounts" array as dockerd shows it.
nlohmann::ordered_json MountPointsJson(const v1::Container& c);

}  // namespace berth::apid::rest
