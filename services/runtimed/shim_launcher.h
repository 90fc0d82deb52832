// Starts berth-shim fully detached from runtimed: double fork (the shim is
// re-parented away from runtimed, so it is never runtimed's zombie and
// survives runtimed's death), setsid, stdio on the shim log, signals
// unblocked, exec at once. Only async-signal-safe calls run between fork and
// exec (runtimed is multithreaded; style.md §5).
#pragma once

#include <sys/types.h>

#include <string>

#include "absl/status/statusor.h"
#include "common/grpc/deadlines.h"

namespace berth::runtimed {

struct ShimLaunch {
  std::string shim_path;    // the berth-shim binary
  std::string config_path;  // its config.json
  std::string log_path;     // its stdout/stderr
  // For the readiness report; apid's start deadline derives from it.
  int timeout_ms = std::chrono::milliseconds(kShimReadyTimeout).count();
};

// Runs the shim and waits for its readiness report. Returns the container's
// host pid ("CREATED <pid>"); the shim's setup error ("ERROR <text>") comes
// back as InvalidArgument when it is an exec error, else FailedPrecondition.
absl::StatusOr<pid_t> LaunchShim(const ShimLaunch& launch);

}  // namespace berth::runtimed
