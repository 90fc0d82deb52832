#include "services/apid/rest/network_json.h"

#include "absl/strings/str_cat.h"
#include "services/apid/rest/json_fields.h"

namespace berth::apid::rest {
namespace {

using Json = nlohmann::json;
using OJson = nlohmann::ordered_json;

absl::Status Unsupported(const std::string& field) {
  return absl::InvalidArgumentError(absl::StrCat(field, " is not supported yet"));
}

bool IsSet(const Json& j) {
  // json::empty() is false for every string, so strings are checked apart.
  return !(j.is_null() || (j.is_boolean() && !j.get<bool>()) ||
           (j.is_number() && j.get<double>() == 0) ||
           (j.is_string() && j.get_ref<const std::string&>().empty()) ||
           (j.is_object() && j.empty()) || (j.is_array() && j.empty()));
}

absl::StatusOr<Json> ParseObject(const std::string& body) {
  Json j = Json::parse(body.empty() ? "{}" : body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::InvalidArgumentError("the request body must be a JSON object");
  }
  return j;
}

absl::Status GetStringMap(const Json& obj, const char* key,
                          google::protobuf::Map<std::string, std::string>* out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return absl::OkStatus();
  if (!it->is_object()) return WrongType(key, "an object of strings");
  for (const auto& [k, v] : it->items()) {
    if (!v.is_string()) return WrongType(absl::StrCat(key, ".", k), "a string");
    (*out)[k] = v.get<std::string>();
  }
  return absl::OkStatus();
}

}  // namespace

OJson NetworkJson(const v1::Network& n) {
  OJson j;
  j["Name"] = n.name();
  j["Id"] = n.id();
  j["Created"] = n.created().empty() ? "0001-01-01T00:00:00Z" : n.created();
  j["Scope"] = "local";
  j["Driver"] = n.driver();
  j["EnableIPv6"] = false;
  OJson ipam;
  ipam["Driver"] = "default";
  ipam["Options"] = nullptr;
  ipam["Config"] = OJson::array();
  if (!n.subnet().empty()) {
    OJson config;
    config["Subnet"] = n.subnet();
    if (!n.ip_range().empty()) config["IPRange"] = n.ip_range();
    config["Gateway"] = n.gateway();
    ipam["Config"].push_back(config);
  }
  j["IPAM"] = ipam;
  j["Internal"] = n.internal();
  j["Attachable"] = n.attachable();
  j["Ingress"] = false;
  j["ConfigFrom"] = {{"Network", ""}};
  j["ConfigOnly"] = false;
  OJson containers = OJson::object();
  for (const v1::NetworkMember& m : n.containers()) {
    containers[m.container_id()] = {{"Name", m.container_name()},
                                    {"EndpointID", m.endpoint_id()},
                                    {"MacAddress", m.mac_address()},
                                    {"IPv4Address", m.ipv4_address()},
                                    {"IPv6Address", ""}};
  }
  j["Containers"] = containers;
  OJson options = OJson::object();
  for (const auto& [k, v] : n.options()) options[k] = v;
  if (n.driver() == "bridge" && !n.bridge().empty()) {
    options["com.docker.network.bridge.name"] = n.bridge();
  }
  j["Options"] = options;
  OJson labels = OJson::object();
  std::map<std::string, std::string> sorted(n.labels().begin(), n.labels().end());
  for (const auto& [k, v] : sorted) labels[k] = v;
  j["Labels"] = labels;
  return j;
}

absl::StatusOr<v1::CreateNetworkRequest> ParseNetworkCreate(const std::string& body) {
  absl::StatusOr<Json> parsed = ParseObject(body);
  if (!parsed.ok()) return parsed.status();
  const Json& j = *parsed;
  v1::CreateNetworkRequest request;
  std::string name, driver;
  if (absl::Status s = GetString(j, "Name", &name, ""); !s.ok()) return s;
  if (name.empty()) return absl::InvalidArgumentError("network name is required");
  request.set_name(name);
  if (absl::Status s = GetString(j, "Driver", &driver, ""); !s.ok()) return s;
  request.set_driver(driver);
  bool internal = false, attachable = false;
  if (absl::Status s = GetBool(j, "Internal", &internal, ""); !s.ok()) return s;
  if (absl::Status s = GetBool(j, "Attachable", &attachable, ""); !s.ok()) return s;
  request.set_internal(internal);
  request.set_attachable(attachable);
  for (const char* unsupported : {"EnableIPv6", "Ingress", "ConfigOnly", "ConfigFrom"}) {
    if (auto it = j.find(unsupported); it != j.end() && IsSet(*it)) return Unsupported(unsupported);
  }
  if (auto it = j.find("Scope"); it != j.end() && IsSet(*it) && *it != "local") {
    return Unsupported("Scope");
  }
  if (absl::Status s = GetStringMap(j, "Options", request.mutable_options()); !s.ok()) return s;
  if (absl::Status s = GetStringMap(j, "Labels", request.mutable_labels()); !s.ok()) return s;
  auto ipam = j.find("IPAM");
  if (ipam == j.end() || ipam->is_null()) return request;
  if (!ipam->is_object()) return WrongType("IPAM", "an object");
  std::string ipam_driver;
  if (absl::Status s = GetString(*ipam, "Driver", &ipam_driver, "IPAM."); !s.ok()) return s;
  if (!ipam_driver.empty() && ipam_driver != "default") return Unsupported("IPAM.Driver");
  if (auto it = ipam->find("Options"); it != ipam->end() && IsSet(*it)) {
    return Unsupported("IPAM.Options");
  }
  auto configs = ipam->find("Config");
  if (configs == ipam->end() || configs->is_null()) return request;
  if (!configs->is_array()) return WrongType("IPAM.Config", "an array");
  if (configs->size() > 1) return Unsupported("more than one IPAM.Config (IPv6)");
  for (const Json& config : *configs) {
    if (!config.is_object()) return WrongType("IPAM.Config", "an array of objects");
    std::string subnet, range, gateway;
    if (absl::Status s = GetString(config, "Subnet", &subnet, "IPAM.Config."); !s.ok()) return s;
    if (absl::Status s = GetString(config, "IPRange", &range, "IPAM.Config."); !s.ok()) return s;
    if (absl::Status s = GetString(config, "Gateway", &gateway, "IPAM.Config."); !s.ok()) return s;
    if (auto it = config.find("AuxiliaryAddresses"); it != config.end() && IsSet(*it)) {
      return Unsupported("IPAM.Config.AuxiliaryAddresses");
    }
    request.set_subnet(subnet);
    request.set_ip_range(range);
    request.set_gateway(gateway);
  }
  return request;
}

absl::StatusOr<ConnectBody> ParseConnectBody(const std::string& body) {
  absl::StatusOr<Json> parsed = ParseObject(body);
  if (!parsed.ok()) return parsed.status();
  const Json& j = *parsed;
  ConnectBody out;
  if (absl::Status s = GetString(j, "Container", &out.container, ""); !s.ok()) return s;
  if (out.container.empty()) return absl::InvalidArgumentError("no container given");
  if (absl::Status s = GetBool(j, "Force", &out.force, ""); !s.ok()) return s;
  auto endpoint = j.find("EndpointConfig");
  if (endpoint == j.end() || endpoint->is_null()) return out;
  if (!endpoint->is_object()) return WrongType("EndpointConfig", "an object");
  for (const auto& [field, value] : endpoint->items()) {
    if (field == "Aliases") {
      if (absl::Status s = GetStringArray(*endpoint, "Aliases", out.settings.mutable_aliases(),
                                          "EndpointConfig.");
          !s.ok()) {
        return s;
      }
    } else if (field == "IPAMConfig" && value.is_object()) {
      std::string ip;
      if (absl::Status s = GetString(value, "IPv4Address", &ip, "EndpointConfig.IPAMConfig.");
          !s.ok()) {
        return s;
      }
      out.settings.set_ipv4_address(ip);
      for (const auto& [key, v] : value.items()) {
        if (key != "IPv4Address" && IsSet(v)) return Unsupported("EndpointConfig.IPAMConfig." + key);
      }
    } else if (IsSet(value)) {
      return Unsupported("EndpointConfig." + field);
    }
  }
  return out;
}

}  // namespace berth::apid::rest
