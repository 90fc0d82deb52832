#pragma once

// The `filters` query parameter of list endpoints: URL-decoded JSON in either
// the CLI's map-of-bool shape {"label":{"a=b":true}} or docker-py's list
// shape {"label":["a=b"]}.

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::apid::rest {

using Filters = std::map<std::string, std::vector<std::string>>;

// "" → no filters. InvalidArgument for malformed JSON or shapes.
absl::StatusOr<Filters> ParseFilters(const std::string& json);

}  // namespace berth::apid::rest
