#pragma once

// The gRPC face's list filters (repeated berth.v1.ListFilter) as the use
// cases take them: key → values, the values of a key repeated over several
// entries joined.

#include <map>
#include <string>
#include <vector>

#include "berth/v1/api.pb.h"

namespace berth::apid {

inline std::map<std::string, std::vector<std::string>> FilterMap(
    const google::protobuf::RepeatedPtrField<v1::ListFilter>& filters) {
  std::map<std::string, std::vector<std::string>> out;
  for (const v1::ListFilter& filter : filters) {
    std::vector<std::string>& values = out[filter.key()];
    values.insert(values.end(), filter.values().begin(), filter.values().end());
  }
  return out;
}

}  // namespace berth::apid
