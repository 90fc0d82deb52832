#pragma once

// Docker JSON for GET /version and GET /info (docker-api.md §3.1).

#include <string>
#include <vector>

#include "berth/v1/api.pb.h"
#include "services/apid/system_info.h"

namespace berth::apid::rest {

// The /version object; `docker version` prints "Server: Berth Engine".
std::string VersionJson(const v1::VersionResponse& version, const HostFacts& facts,
                        const std::string& build_time);

// The /info object with `warnings` in Warnings (null when empty, as dockerd).
std::string InfoJson(const v1::InfoResponse& info, const HostFacts& facts,
                     const std::vector<std::string>& warnings);

}  // namespace berth::apid::rest
