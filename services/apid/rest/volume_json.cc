#include "services/apid/rest/volume_json.h"

#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "services/apid/rest/frames.h"
#include "services/apid/rest/json_fields.h"

namespace berth::apid::rest {
namespace {

using Json = nlohmann::json;
using OJson = nlohmann::ordered_json;

absl::Status ReadStringMap(const Json& j, const char* key,
                           google::protobuf::Map<std::string, std::string>* out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return absl::OkStatus();
  if (!it->is_object()) return WrongType(key, "an object of strings");
  for (const auto& [k, v] : it->items()) {
    if (!v.is_string()) return WrongType(key, "an object of strings");
    (*out)[k] = v.get<std::string>();
  }
  return absl::OkStatus();
}

}  // namespace

OJson VolumeJson(const v1::Volume& volume) {
  OJson j;
  // dockerd shows seconds with the local offset; UTC is as valid RFC 3339.
  j["CreatedAt"] = FormatRfc3339Nano(volume.created().seconds(), 0);
  j["Driver"] = volume.driver().empty() ? "local" : volume.driver();
  std::map<std::string, std::string> labels(volume.labels().begin(), volume.labels().end());
  OJson labels_json = OJson::object();
  for (const auto& [k, v] : labels) labels_json[k] = v;
  j["Labels"] = labels_json;
  j["Mountpoint"] = volume.mountpoint();
  j["Name"] = volume.name();
  j["Options"] = OJson::object();
  j["Scope"] = "local";
  return j;
}

absl::StatusOr<v1::CreateVolumeRequest> ParseVolumeCreateBody(const std::string& body) {
  v1::CreateVolumeRequest request;
  if (body.empty()) return request;
  Json j = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return absl::InvalidArgumentError("invalid JSON in the request body");
  if (j.is_null()) return request;
  if (!j.is_object()) return absl::InvalidArgumentError("the request body must be a JSON object");
  static const std::set<std::string> kKnown = {"Name", "Driver", "DriverOpts", "Labels",
                                               "ClusterVolumeSpec"};
  for (const auto& [key, value] : j.items()) {
    if (kKnown.count(key) == 0) {
      return absl::InvalidArgumentError(absl::StrCat("unknown field \"", key, "\""));
    }
    if (key == "ClusterVolumeSpec" && !value.is_null()) {
      return absl::InvalidArgumentError("cluster volumes are not supported");
    }
  }
  std::string name, driver;
  if (absl::Status s = GetString(j, "Name", &name, ""); !s.ok()) return s;
  if (absl::Status s = GetString(j, "Driver", &driver, ""); !s.ok()) return s;
  request.set_name(name);
  request.set_driver(driver);
  if (absl::Status s = ReadStringMap(j, "DriverOpts", request.mutable_driver_opts()); !s.ok()) {
    return s;
  }
  if (absl::Status s = ReadStringMap(j, "Labels", request.mutable_labels()); !s.ok()) return s;
  return request;
}

absl::StatusOr<v1::VolumeFilters> ToVolumeFilters(const Filters& filters) {
  v1::VolumeFilters out;
  for (const auto& [key, values] : filters) {
    if (key == "name") {
      for (const auto& v : values) out.add_name(v);
    } else if (key == "label") {
      for (const auto& v : values) out.add_label(v);
    } else if (key == "driver") {
      for (const auto& v : values) out.add_driver(v);
    } else if (key == "dangling") {
      if (values.size() != 1) {
        return absl::InvalidArgumentError("invalid filter 'dangling': one value expected");
      }
      out.set_dangling(values[0]);
    } else {
      return absl::InvalidArgumentError(absl::StrCat("invalid filter '", key, "'"));
    }
  }
  return out;
}

}  // namespace berth::apid::rest
