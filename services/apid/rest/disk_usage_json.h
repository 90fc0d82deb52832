#pragma once

// GET /system/df as API 1.41 answers it: LayersSize, the image list entries
// with Containers and SharedSize, the container list entries with SizeRw and
// SizeRootFs, the volumes with UsageData, and an empty BuildCache (the
// classic builder's cache is images, counted under Images).

#include <string>

#include "absl/time/time.h"
#include "berth/v1/api.pb.h"

namespace berth::apid::rest {

std::string DiskUsageJson(const v1::DiskUsageResponse& usage, absl::Time now);

}  // namespace berth::apid::rest
