#include "services/apid/rest/json_fields.h"

namespace berth::apid::rest {

using Json = nlohmann::json;

absl::Status WrongType(const std::string& field, const char* want) {
  return absl::InvalidArgumentError("invalid value for " + field + ": expected " + want);
}

absl::Status GetString(const Json& obj, const char* key, std::string* out, const std::string& at) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return absl::OkStatus();
  if (!it->is_string()) return WrongType(at + key, "a string");
  *out = it->get<std::string>();
  return absl::OkStatus();
}

absl::Status GetBool(const Json& obj, const char* key, bool* out, const std::string& at) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return absl::OkStatus();
  if (!it->is_boolean()) return WrongType(at + key, "a boolean");
  *out = it->get<bool>();
  return absl::OkStatus();
}

absl::Status GetInt64(const Json& obj, const char* key, bool* present, int64_t* out,
                      const std::string& at) {
  *present = false;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return absl::OkStatus();
  if (it->is_number_integer()) {
    *out = it->get<int64_t>();
  } else if (it->is_number_float() &&
             it->get<double>() == static_cast<double>(static_cast<int64_t>(it->get<double>()))) {
    *out = static_cast<int64_t>(it->get<double>());
  } else {
    return WrongType(at + key, "an integer");
  }
  *present = true;
  return absl::OkStatus();
}

absl::Status GetStringArray(const Json& obj, const char* key,
                            google::protobuf::RepeatedPtrField<std::string>* out,
                            const std::string& at) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return absl::OkStatus();
  if (!it->is_array()) return WrongType(at + key, "an array of strings");
  for (const Json& e : *it) {
    if (!e.is_string()) return WrongType(at + key, "an array of strings");
    out->Add(e.get<std::string>());
  }
  return absl::OkStatus();
}

}  // namespace berth::apid::rest
