// Linux capabilities by name, and Docker's rules for a container's set:
// the default 14, --cap-add/--cap-drop (with or without "CAP_", any case,
// "ALL") and --privileged. Pure; the init applies the result.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::runtimed::spec {

// Every capability this build knows, "CAP_CHOWN" (0) .. "CAP_CHECKPOINT_RESTORE" (40).
const std::vector<std::string>& AllCapabilityNames();

// Docker's default set for a container, in Docker's order.
const std::vector<std::string>& DefaultCapabilities();

// The kernel number of "CAP_X", or -1 when unknown.
int CapabilityNumber(const std::string& name);

// "net_admin", "NET_ADMIN" and "CAP_NET_ADMIN" → "CAP_NET_ADMIN"; "all" → "ALL".
// InvalidArgument `unknown capability: "CAP_FOO"` (Docker's words) otherwise.
absl::StatusOr<std::string> NormalizeCapability(const std::string& name);

// The capabilities of `host_mask` (a CapBnd-style bit mask) that this build
// knows by name, in number order: what --privileged and "ALL" mean here
// (root on this host may lack some, such as CAP_SYS_RESOURCE).
std::vector<std::string> CapabilitiesInMask(uint64_t host_mask);

// The bit mask of `names` (which must be known).
uint64_t CapabilityMask(const std::vector<std::string>& names);

// Docker's rules: privileged → every host capability; "ALL" in add → every
// host capability but those dropped; "ALL" in drop → exactly the added ones;
// else the defaults minus drops plus adds. Added capabilities the host does
// not have are InvalidArgument (they could never be granted). Errors are
// prefixed "invalid CapAdd: " / "invalid CapDrop: " as dockerd's are.
absl::StatusOr<std::vector<std::string>> ResolveCapabilities(const std::vector<std::string>& add,
                                                             const std::vector<std::string>& drop,
                                                             bool privileged, uint64_t host_mask);

}  // namespace berth::runtimed::spec
