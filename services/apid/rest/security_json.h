#pragma once

// Docker's HostConfig security fields ↔ berth.v1.SecurityOptions: CapAdd,
// CapDrop, Privileged, SecurityOpt, ReadonlyRootfs, Ulimits. Names are passed
// through as the client sent them; runtimed validates them (unknown
// capabilities, malformed seccomp profiles, ulimits above the host's).

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "berth/v1/types.pb.h"

namespace berth::apid::rest {

// The HostConfig keys ParseSecurityOptions consumes.
bool IsSecurityHostConfigKey(const std::string& key);

// Reads the security fields of HostConfig `hc` (an object). InvalidArgument
// for a wrong type, a malformed or unsupported --security-opt (apparmor,
// label and systempaths are refused naming the option).
absl::Status ParseSecurityOptions(const nlohmann::json& hc, v1::SecurityOptions* out);

// The same fields for inspect's HostConfig (Docker's null for empty lists).
void WriteSecurityOptions(const v1::SecurityOptions& in, nlohmann::ordered_json& hc);

}  // namespace berth::apid::rest
