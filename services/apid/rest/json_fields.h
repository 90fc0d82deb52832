#pragma once

// Typed reads of one field of a Docker JSON body, shared by the create-body
// translators (container_json, security_json, resources_json). A missing or
// null field leaves the output alone; a field of the wrong type is
// InvalidArgument "invalid value for <at><key>: expected <what>".

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "google/protobuf/repeated_ptr_field.h"

namespace berth::apid::rest {

// "invalid value for <field>: expected <want>".
absl::Status WrongType(const std::string& field, const char* want);

absl::Status GetString(const nlohmann::json& obj, const char* key, std::string* out,
                       const std::string& at);
absl::Status GetBool(const nlohmann::json& obj, const char* key, bool* out, const std::string& at);
// An integer; a float with an integral value is accepted too (some clients
// write 3.3554432e7). *present says whether the field had a value.
absl::Status GetInt64(const nlohmann::json& obj, const char* key, bool* present, int64_t* out,
                      const std::string& at);
// An array of strings (appended to *out).
absl::Status GetStringArray(const nlohmann::json& obj, const char* key,
                            google::protobuf::RepeatedPtrField<std::string>* out,
                            const std::string& at);

}  // namespace berth::apid::rest
