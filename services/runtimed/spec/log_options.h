// HostConfig.LogConfig → the shim's log rotation, with dockerd's texts for
// what it refuses. Berth writes Docker's json-file format only; of its
// options it applies max-size and max-file. The others (compress, labels,
// env, tag) and other drivers are refused rather than silently ignored.
#pragma once

#include "absl/status/statusor.h"
#include "berth/v1/types.pb.h"
#include "services/runtimed/logs/rotating_log.h"

namespace berth::runtimed::spec {

// InvalidArgument for another driver, an unknown or unsupported option, a
// malformed size or count, or max-file > 1 without max-size.
absl::StatusOr<logs::RotationPolicy> BuildLogRotation(const v1::LogConfig& config);

}  // namespace berth::runtimed::spec
