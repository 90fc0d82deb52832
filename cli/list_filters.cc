#include "cli/list_filters.h"

#include <map>

namespace berth::cli {

absl::Status AddFilterFlags(const std::vector<std::string>& flags,
                            google::protobuf::RepeatedPtrField<v1::ListFilter>* out) {
  std::map<std::string, v1::ListFilter*> by_key;
  for (v1::ListFilter& existing : *out) by_key[existing.key()] = &existing;
  for (const std::string& flag : flags) {
    size_t eq = flag.find('=');
    if (eq == std::string::npos || eq == 0) {
      return absl::InvalidArgumentError("bad format of filter (expected name=value): " + flag);
    }
    std::string key = flag.substr(0, eq);
    v1::ListFilter*& entry = by_key[key];
    if (entry == nullptr) {
      entry = out->Add();
      entry->set_key(key);
    }
    entry->add_values(flag.substr(eq + 1));
  }
  return absl::OkStatus();
}

}  // namespace berth::cli
