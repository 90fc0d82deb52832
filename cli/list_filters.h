// docker's repeated `-f/--filter KEY=VALUE` flags as the API's list filters.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "berth/v1/api.pb.h"

namespace berth::cli {

// One ListFilter per key, in the order keys first appear, its values in flag
// order (values of one key are alternatives on the daemon's side).
// InvalidArgument "bad format of filter (expected name=value): <flag>" for a
// flag without '=' or with an empty key, as the docker CLI says it.
absl::Status AddFilterFlags(const std::vector<std::string>& flags,
                            google::protobuf::RepeatedPtrField<v1::ListFilter>* out);

}  // namespace berth::cli
