#pragma once

// The `filters` query parameter of list endpoints: URL-decoded JSON in either
// the CLI's map-of-bool shape {"label":{"a=b":true}} or docker-py's list
// shape {"label":["a=b"]}.

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "berth/v1/types.pb.h"

namespace berth::apid::rest {

using Filters = std::map<std::string, std::vector<std::string>>;

// "" → no filters. InvalidArgument for malformed JSON or shapes.
absl::StatusOr<Filters> ParseFilters(const std::string& json);

// Checks that every key is one the container list supports (status, label,
// name, id, exited); InvalidArgument "invalid filter 'x'" otherwise.
absl::Status ValidateContainerFilters(const Filters& filters);

// True when `c` passes every filter key (values of one key are OR-ed, keys
// are AND-ed, as in dockerd).
bool ContainerMatches(const v1::Container& c, const Filters& filters);

}  // namespace berth::apid::rest
