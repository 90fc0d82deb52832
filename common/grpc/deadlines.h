#pragma once

// Timeouts that one service's deadline must derive from because another
// service waits that long itself. Header-only and free of gRPC so the domain
// code of both sides can use it.

#include <chrono>

namespace berth {

// How long runtimed waits for berth-shim's readiness report (namespaces,
// mounts, the exec) before it fails a start.
inline constexpr std::chrono::seconds kShimReadyTimeout{60};

// A StartContainer caller's deadline: the shim's readiness plus the files,
// attaches and record runtimed writes around it. A shorter deadline would
// give up on a start that then succeeds behind the caller's back.
inline constexpr std::chrono::seconds kStartContainerDeadline = kShimReadyTimeout +
                                                                std::chrono::seconds(30);

}  // namespace berth
