// `berth system df`: the docker CLI's summary table of what images,
// containers, local volumes and the build cache hold.
#pragma once

#include <string>

#include "berth/v1/api.pb.h"

namespace berth::cli {

// TYPE TOTAL ACTIVE SIZE RECLAIMABLE, computed as the docker CLI does from
// GET /system/df: images are active when a container uses them and their
// size is the layers' (shared ones once), reclaimable what active images do
// not hold alone; containers are active running or paused; volumes active
// when a container mounts them. The build cache row is always empty (the
// classic builder's cache is images).
std::string FormatDiskUsage(const v1::DiskUsageResponse& usage);

}  // namespace berth::cli
