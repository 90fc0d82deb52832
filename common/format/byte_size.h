#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace berth::format {

// Docker's (go-units) RAMInBytes, which the docker CLI and dockerd use for
// --memory, --shm-size, tmpfs sizes and the json-file log's max-size:
// a non-negative decimal, an optional space, then an optional unit k, m, g,
// t or p (powers of 1024, any case) with an optional "i" and "b":
// "32m" = "32MiB" = "32 MB" = 33554432, "1.5k" = 1536, "100b" = 100.
// InvalidArgument "invalid size: 'TEXT'" otherwise.
absl::StatusOr<int64_t> ParseRamInBytes(const std::string& text);

}  // namespace berth::format
