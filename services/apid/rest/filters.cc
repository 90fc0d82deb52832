#include "services/apid/rest/filters.h"

#include <nlohmann/json.hpp>


namespace berth::apid::rest {

absl::StatusOr<Filters> ParseFilters(const std::string& text) {
  Filters filters;
  if (text.empty()) return filters;
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::InvalidArgumentError("invalid filter: expected a JSON object");
  }
  for (const auto& [key, value] : j.items()) {
    std::vector<std::string>& out = filters[key];
    if (value.is_array()) {
      for (const auto& v : value) {
        if (!v.is_string()) return absl::InvalidArgumentError("invalid filter '" + key + "'");
        out.push_back(v.get<std::string>());
      }
    } else if (value.is_object()) {
      for (const auto& [v, enabled] : value.items()) {
        if (!enabled.is_boolean()) return absl::InvalidArgumentError("invalid filter '" + key + "'");
        if (enabled.get<bool>()) out.push_back(v);
      }
    } else {
      return absl::InvalidArgumentError("invalid filter '" + key + "'");
    }
  }
  return filters;
}

}  // namespace berth::apid::rest
