#include "services/apid/rest/security_json.h"

#include <set>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/apid/rest/json_fields.h"

namespace berth::apid::rest {
namespace {

using Json = nlohmann::json;

constexpr char kAt[] = "HostConfig.";

// "no-new-privileges", "no-new-privileges:true|false" (also with "="),
// "seccomp=unconfined|<profile JSON>"; Docker's other options are refused.
absl::Status ParseSecurityOpt(const std::string& opt, v1::SecurityOptions* out) {
  if (opt == "no-new-privileges") {
    out->set_no_new_privileges(true);
    return absl::OkStatus();
  }
  size_t sep = opt.find_first_of("=:");
  std::string key = opt.substr(0, sep);
  std::string value = sep == std::string::npos ? "" : opt.substr(sep + 1);
  if (key == "no-new-privileges") {
    std::string v = absl::AsciiStrToLower(value);
    if (v != "true" && v != "false") {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid --security-opt 2: \"", opt, "\": no-new-privileges takes true or false"));
    }
    out->set_no_new_privileges(v == "true");
    return absl::OkStatus();
  }
  if (key == "seccomp" && opt[sep] == '=') {
    if (value.empty()) return absl::InvalidArgumentError("invalid --security-opt: seccomp needs a profile");
    // "builtin" and "default" name the default profile, as in dockerd.
    out->set_seccomp_profile(value == "builtin" || value == "default" ? "" : value);
    return absl::OkStatus();
  }
  if (key == "apparmor" || key == "label" || key == "systempaths" || key == "proc-opts" ||
      key == "mask" || key == "unmask") {
    return absl::InvalidArgumentError(
        absl::StrCat("--security-opt ", key, " is not supported yet"));
  }
  return absl::InvalidArgumentError(absl::StrCat("invalid --security-opt: \"", opt, "\""));
}

absl::Status ParseUlimits(const Json& list, v1::SecurityOptions* out) {
  if (list.is_null()) return absl::OkStatus();
  if (!list.is_array()) return WrongType("HostConfig.Ulimits", "an array of {Name, Soft, Hard}");
  for (const Json& u : list) {
    if (!u.is_object() || !u.contains("Name") || !u["Name"].is_string()) {
      return WrongType("HostConfig.Ulimits", "an array of {Name, Soft, Hard}");
    }
    v1::Ulimit* ulimit = out->add_ulimits();
    ulimit->set_name(u["Name"].get<std::string>());
    for (auto [key, setter] : {std::pair{"Soft", &v1::Ulimit::set_soft},
                               std::pair{"Hard", &v1::Ulimit::set_hard}}) {
      auto it = u.find(key);
      if (it == u.end() || it->is_null()) continue;
      if (!it->is_number_integer()) {
        return WrongType(absl::StrCat("HostConfig.Ulimits.", key), "an integer");
      }
      (ulimit->*setter)(it->get<int64_t>());
    }
  }
  return absl::OkStatus();
}

}  // namespace

bool IsSecurityHostConfigKey(const std::string& key) {
  static const auto* kKeys = new std::set<std::string>{"CapAdd", "CapDrop", "Privileged",
                                                       "SecurityOpt", "ReadonlyRootfs", "Ulimits"};
  return kKeys->count(key) > 0;
}

absl::Status ParseSecurityOptions(const Json& hc, v1::SecurityOptions* out) {
  if (absl::Status s = GetStringArray(hc, "CapAdd", out->mutable_cap_add(), kAt); !s.ok()) {
    return s;
  }
  if (absl::Status s = GetStringArray(hc, "CapDrop", out->mutable_cap_drop(), kAt); !s.ok()) {
    return s;
  }
  bool privileged = false;
  bool read_only = false;
  if (absl::Status s = GetBool(hc, "Privileged", &privileged, kAt); !s.ok()) return s;
  if (absl::Status s = GetBool(hc, "ReadonlyRootfs", &read_only, kAt); !s.ok()) return s;
  out->set_privileged(privileged);
  out->set_read_only_rootfs(read_only);
  google::protobuf::RepeatedPtrField<std::string> opts;
  if (absl::Status s = GetStringArray(hc, "SecurityOpt", &opts, kAt); !s.ok()) return s;
  for (const std::string& opt : opts) {
    if (absl::Status s = ParseSecurityOpt(opt, out); !s.ok()) return s;
  }
  if (auto it = hc.find("Ulimits"); it != hc.end()) return ParseUlimits(*it, out);
  return absl::OkStatus();
}

void WriteSecurityOptions(const v1::SecurityOptions& in, nlohmann::ordered_json& hc) {
  auto list = [](const google::protobuf::RepeatedPtrField<std::string>& l) {
    return l.empty() ? nlohmann::ordered_json(nullptr)
                     : nlohmann::ordered_json(std::vector<std::string>(l.begin(), l.end()));
  };
  hc["CapAdd"] = list(in.cap_add());
  hc["CapDrop"] = list(in.cap_drop());
  hc["Privileged"] = in.privileged();
  hc["ReadonlyRootfs"] = in.read_only_rootfs();
  std::vector<std::string> opts;
  if (in.no_new_privileges()) opts.push_back("no-new-privileges");
  if (!in.seccomp_profile().empty()) {
    opts.push_back(in.seccomp_profile() == "unconfined" ? "seccomp=unconfined"
                                                        : "seccomp=" + in.seccomp_profile());
  }
  hc["SecurityOpt"] = opts.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(opts);
  nlohmann::ordered_json ulimits = nlohmann::ordered_json::array();
  for (const auto& u : in.ulimits()) {
    ulimits.push_back({{"Name", u.name()}, {"Hard", u.hard()}, {"Soft", u.soft()}});
  }
  hc["Ulimits"] = in.ulimits().empty() ? nlohmann::ordered_json(nullptr) : ulimits;
}

}  // namespace berth::apid::rest
