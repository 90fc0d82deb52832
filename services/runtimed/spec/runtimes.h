// The OCI runtimes a container may ask for (HostConfig.Runtime, --runtime):
// "berth" (berth-shim's own executor, the default; "" means it) and "runc"
// (the same shim driving Debian's runc with an OCI config.json), the latter
// only when its binary is there. Also what /info shows of them and of the
// --init binary.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "berth/v1/runtimed.pb.h"
#include "services/runtimed/spec/security_builder.h"

namespace berth::runtimed::spec {

inline constexpr char kBerthRuntime[] = "berth";
inline constexpr char kRuncRuntime[] = "runc";

// InvalidArgument "unknown or invalid runtime name: <name>" (dockerd's
// text) for a name this host does not offer.
absl::Status ValidateRuntime(const std::string& name, const HostFacts& host);

// True for "runc" (a valid name is assumed).
bool UsesRunc(const std::string& name);

// The runtimes and the --init binary that really are on this host.
v1::RuntimeInfoResponse DescribeRuntimes(const HostFacts& host);

}  // namespace berth::runtimed::spec
