#pragma once

// Query strings and the Docker conventions for their values.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::apid::rest {

// Percent-decoding; '+' becomes a space when `plus_is_space` (query strings).
// InvalidArgument on a malformed escape.
absl::StatusOr<std::string> PercentDecode(const std::string& in, bool plus_is_space);

// dockerd's boolean rule: after trimming and lowercasing, "", "0", "no",
// "false" and "none" are false; anything else is true.
bool ParseDockerBool(const std::string& value);

class Query {
 public:
  // Parses "a=1&b=x%20y&a=2" (the part after '?').
  static absl::StatusOr<Query> Parse(const std::string& raw);

  bool Has(const std::string& key) const { return values_.count(key) > 0; }
  // The first value, or `fallback` when absent.
  std::string Get(const std::string& key, const std::string& fallback = "") const;
  std::vector<std::string> GetAll(const std::string& key) const;
  // Absent → `fallback`; present → ParseDockerBool.
  bool GetBool(const std::string& key, bool fallback = false) const;
  // Absent or "" → `fallback`; InvalidArgument naming the key when not an integer.
  absl::StatusOr<long long> GetInt(const std::string& key, long long fallback) const;

 private:
  std::multimap<std::string, std::string> values_;
};

}  // namespace berth::apid::rest
