#include "services/apid/rest/mounts_json.h"

#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "services/apid/rest/json_fields.h"

namespace berth::apid::rest {
namespace {

using Json = nlohmann::json;
using OJson = nlohmann::ordered_json;

absl::Status ReadStringMap(const Json& obj, const std::string& field,
                           google::protobuf::Map<std::string, std::string>* out) {
  if (obj.is_null()) return absl::OkStatus();
  if (!obj.is_object()) return WrongType(field, "an object of strings");
  for (const auto& [k, v] : obj.items()) {
    if (!v.is_string()) return WrongType(field, "an object of strings");
    (*out)[k] = v.get<std::string>();
  }
  return absl::OkStatus();
}

absl::Status ParseMount(const Json& m, size_t index, v1::MountRequest* out) {
  std::string at = absl::StrCat("HostConfig.Mounts[", index, "].");
  if (!m.is_object()) return WrongType(at.substr(0, at.size() - 1), "an object");
  std::string type, source, target, consistency;
  bool read_only = false;
  if (absl::Status s = GetString(m, "Type", &type, at); !s.ok()) return s;
  if (absl::Status s = GetString(m, "Source", &source, at); !s.ok()) return s;
  if (absl::Status s = GetString(m, "Target", &target, at); !s.ok()) return s;
  if (absl::Status s = GetBool(m, "ReadOnly", &read_only, at); !s.ok()) return s;
  if (absl::Status s = GetString(m, "Consistency", &consistency, at); !s.ok()) return s;
  out->set_type(type);
  out->set_source(source);
  out->set_target(target);
  out->set_read_only(read_only);
  static const std::set<std::string> kKnown = {"Type",        "Source",       "Target",
                                               "ReadOnly",    "Consistency",  "BindOptions",
                                               "VolumeOptions", "TmpfsOptions"};
  for (const auto& [key, value] : m.items()) {
    if (kKnown.count(key) == 0 && !value.is_null()) {
      return absl::InvalidArgumentError(absl::StrCat(at, key, " is not supported"));
    }
  }
  if (auto it = m.find("BindOptions"); it != m.end() && !it->is_null()) {
    if (!it->is_object()) return WrongType(at + "BindOptions", "an object");
    std::string propagation;
    bool non_recursive = false, create = false;
    if (absl::Status s = GetString(*it, "Propagation", &propagation, at + "BindOptions.");
        !s.ok()) {
      return s;
    }
    if (absl::Status s = GetBool(*it, "NonRecursive", &non_recursive, at + "BindOptions.");
        !s.ok()) {
      return s;
    }
    if (absl::Status s = GetBool(*it, "CreateMountpoint", &create, at + "BindOptions."); !s.ok()) {
      return s;
    }
    if (non_recursive || create) {
      return absl::InvalidArgumentError(
          absl::StrCat(at, "BindOptions: NonRecursive and CreateMountpoint are not supported"));
    }
    out->set_propagation(propagation);
  }
  if (auto it = m.find("VolumeOptions"); it != m.end() && !it->is_null()) {
    if (!it->is_object()) return WrongType(at + "VolumeOptions", "an object");
    bool no_copy = false;
    if (absl::Status s = GetBool(*it, "NoCopy", &no_copy, at + "VolumeOptions."); !s.ok()) {
      return s;
    }
    out->set_no_copy(no_copy);
    if (it->contains("Labels")) {
      if (absl::Status s = ReadStringMap((*it)["Labels"], at + "VolumeOptions.Labels",
                                         out->mutable_volume_labels());
          !s.ok()) {
        return s;
      }
    }
    if (auto d = it->find("DriverConfig"); d != it->end() && !d->is_null()) {
      std::string driver;
      if (absl::Status s = GetString(*d, "Name", &driver, at + "VolumeOptions.DriverConfig.");
          !s.ok()) {
        return s;
      }
      bool has_options = d->contains("Options") && !(*d)["Options"].is_null() &&
                         !(*d)["Options"].empty();
      if ((!driver.empty() && driver != "local") || has_options) {
        return absl::InvalidArgumentError(absl::StrCat(
            "volume driver \"", driver, "\" and driver options are not supported: only "
            "\"local\" without options is"));
      }
    }
  }
  if (auto it = m.find("TmpfsOptions"); it != m.end() && !it->is_null()) {
    if (!it->is_object()) return WrongType(at + "TmpfsOptions", "an object");
    bool present = false;
    int64_t size = 0, mode = 0;
    if (absl::Status s = GetInt64(*it, "SizeBytes", &present, &size, at + "TmpfsOptions.");
        !s.ok()) {
      return s;
    }
    if (absl::Status s = GetInt64(*it, "Mode", &present, &mode, at + "TmpfsOptions."); !s.ok()) {
      return s;
    }
    if (mode < 0 || mode > 07777) {
      return absl::InvalidArgumentError(absl::StrCat(at, "TmpfsOptions.Mode: invalid mode"));
    }
    out->set_tmpfs_size(size);
    out->set_tmpfs_mode(static_cast<uint32_t>(mode));
  }
  return absl::OkStatus();
}

}  // namespace

bool IsMountsHostConfigKey(const std::string& key) {
  return key == "Binds" || key == "Mounts" || key == "Tmpfs" || key == "VolumesFrom" ||
         key == "VolumeDriver";
}

absl::Status ParseMountOptions(const Json& hc, v1::ContainerConfig* out) {
  if (absl::Status s = GetStringArray(hc, "Binds", out->mutable_binds(), "HostConfig.");
      !s.ok()) {
    return s;
  }
  if (absl::Status s = GetStringArray(hc, "VolumesFrom", out->mutable_volumes_from(),
                                      "HostConfig.");
      !s.ok()) {
    return s;
  }
  std::string driver;
  if (absl::Status s = GetString(hc, "VolumeDriver", &driver, "HostConfig."); !s.ok()) return s;
  if (!driver.empty() && driver != "local") {
    return absl::InvalidArgumentError(
        absl::StrCat("volume driver \"", driver, "\" is not supported: only \"local\" is"));
  }
  if (auto it = hc.find("Tmpfs"); it != hc.end()) {
    if (absl::Status s = ReadStringMap(*it, "HostConfig.Tmpfs", out->mutable_tmpfs()); !s.ok()) {
      return s;
    }
  }
  if (auto it = hc.find("Mounts"); it != hc.end() && !it->is_null()) {
    if (!it->is_array()) return WrongType("HostConfig.Mounts", "an array");
    for (size_t i = 0; i < it->size(); ++i) {
      if (absl::Status s = ParseMount((*it)[i], i, out->add_mounts()); !s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

absl::Status ParseConfigVolumes(const Json& config, v1::ContainerConfig* out) {
  auto it = config.find("Volumes");
  if (it == config.end() || it->is_null()) return absl::OkStatus();
  if (!it->is_object()) return WrongType("Volumes", "an object");
  for (const auto& [path, unused] : it->items()) out->add_volumes(path);
  return absl::OkStatus();
}

void WriteMountOptions(const v1::ContainerConfig& in, OJson& hc) {
  auto strings_or_null = [](const google::protobuf::RepeatedPtrField<std::string>& v) {
    return v.empty() ? OJson(nullptr) : OJson(std::vector<std::string>(v.begin(), v.end()));
  };
  hc["Binds"] = strings_or_null(in.binds());
  hc["VolumesFrom"] = strings_or_null(in.volumes_from());
  if (!in.tmpfs().empty()) {
    std::map<std::string, std::string> sorted(in.tmpfs().begin(), in.tmpfs().end());
    OJson tmpfs = OJson::object();
    for (const auto& [k, v] : sorted) tmpfs[k] = v;
    hc["Tmpfs"] = tmpfs;
  }
  if (!in.mounts().empty()) {
    OJson mounts = OJson::array();
    for (const auto& m : in.mounts()) {
      OJson j;
      j["Type"] = m.type();
      j["Source"] = m.source();
      j["Target"] = m.target();
      if (m.read_only()) j["ReadOnly"] = true;
      if (!m.propagation().empty()) j["BindOptions"] = {{"Propagation", m.propagation()}};
      if (m.no_copy()) j["VolumeOptions"] = {{"NoCopy", true}};
      if (m.tmpfs_size() != 0 || m.tmpfs_mode() != 0) {
        j["TmpfsOptions"] = {{"SizeBytes", m.tmpfs_size()}, {"Mode", m.tmpfs_mode()}};
      }
      mounts.push_back(j);
    }
    hc["Mounts"] = mounts;
  }
}

OJson MountPointsJson(const v1::Container& c) {
  OJson out = OJson::array();
  for (const auto& mp : c.mounts()) {
    OJson j;
    j["Type"] = mp.type();
    if (mp.type() == "volume") j["Name"] = mp.name();
    j["Source"] = mp.source();
    j["Destination"] = mp.destination();
    if (mp.type() == "volume") j["Driver"] = mp.driver();
    j["Mode"] = mp.mode();
    j["RW"] = mp.rw();
    j["Propagation"] = mp.propagation();
    out.push_back(j);
  }
  return out;
}

}  // namespace berth::apid::rest
