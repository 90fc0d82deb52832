#include "services/apid/rest/container_json.h"

#include <algorithm>
#include <set>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/apid/rest/frames.h"
#include "services/apid/rest/json_fields.h"
#include "services/apid/rest/lifecycle_json.h"
#include "services/apid/rest/mounts_json.h"
#include "services/apid/rest/resources_json.h"
#include "services/apid/rest/security_json.h"
#include "common/time/proto_time.h"

namespace berth::apid::rest {
namespace {

using Json = nlohmann::json;
using OJson = nlohmann::ordered_json;

// Deeper nesting than any Docker field has is treated as information (and so
// refused), which also bounds the recursion on hostile bodies.
constexpr int kMaxZeroDepth = 32;

// True for JSON that carries no information: null, false, 0, "", and arrays
// or objects made only of such values.
bool IsZero(const Json& j, int depth = 0) {
  if (depth > kMaxZeroDepth) return false;
  switch (j.type()) {
    case Json::value_t::null:
      return true;
    case Json::value_t::boolean:
      return !j.get<bool>();
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      return j.get<double>() == 0;
    case Json::value_t::string:
      return j.get<std::string>().empty();
    case Json::value_t::array:
      return j.empty();
    case Json::value_t::object:
      for (const auto& [k, v] : j.items()) {
        if (!IsZero(v, depth + 1)) return false;
      }
      return true;
    default:
      return false;
  }
}

absl::Status Unsupported(const std::string& field) {
  return absl::InvalidArgumentError(field + " is not supported yet");
}
// Docker's strslice: null, a string (one element) or an array of strings.
absl::Status GetStrings(const Json& obj, const char* key,
                        google::protobuf::RepeatedPtrField<std::string>* out) {
  auto it = obj.find(key);
  if (it != obj.end() && it->is_string()) {
    out->Add(it->get<std::string>());
    return absl::OkStatus();
  }
  return GetStringArray(obj, key, out, "");
}

// "80/tcp" → (80, "tcp").
absl::Status ParsePortKey(const std::string& key, uint32_t* port, std::string* proto) {
  std::vector<std::string> parts = absl::StrSplit(key, '/');
  *proto = parts.size() > 1 ? parts[1] : "tcp";
  if (parts.size() > 2 || !absl::SimpleAtoi(parts[0], port) || *port == 0 || *port > 65535 ||
      (*proto != "tcp" && *proto != "udp")) {
    return absl::InvalidArgumentError("invalid port specification: \"" + key + "\"");
  }
  return absl::OkStatus();
}

absl::Status ParsePortBindings(const Json& bindings, v1::ContainerConfig* config) {
  if (bindings.is_null()) return absl::OkStatus();
  if (!bindings.is_object()) return WrongType("HostConfig.PortBindings", "an object");
  for (const auto& [key, list] : bindings.items()) {
    uint32_t port = 0;
    std::string proto;
    if (absl::Status s = ParsePortKey(key, &port, &proto); !s.ok()) return s;
    std::string normalized = std::to_string(port) + "/" + proto;
    config->add_exposed_ports(normalized);
    if (list.is_null()) continue;
    if (!list.is_array()) return WrongType("HostConfig.PortBindings", "arrays of bindings");
    for (const Json& b : list) {
      if (!b.is_object()) return WrongType("HostConfig.PortBindings", "arrays of bindings");
      v1::PortBinding* pb = config->add_port_bindings();
      pb->set_container_port(port);
      pb->set_protocol(proto);
      std::string host_ip;
      std::string host_port;
      if (absl::Status s = GetString(b, "HostIp", &host_ip, "HostConfig.PortBindings."); !s.ok())
        return s;
      if (absl::Status s = GetString(b, "HostPort", &host_port, "HostConfig.PortBindings.");
          !s.ok())
        return s;
      pb->set_host_ip(host_ip);
      // "8080", "" (netd picks a free port) or a range "8000-8010" for one
      // container port (netd takes the first free one at start).
      std::vector<std::string> range = absl::StrSplit(host_port, '-');
      uint32_t first = 0;
      uint32_t last = 0;
      const bool valid =
          host_port.empty() ||
          (range.size() <= 2 && absl::SimpleAtoi(range[0], &first) && first <= 65535 &&
           (range.size() == 1 ||
            (absl::SimpleAtoi(range[1], &last) && first >= 1 && last >= first && last <= 65535)));
      if (!valid) {
        return absl::InvalidArgumentError("invalid host port \"" + host_port + "\" for " + key);
      }
      pb->set_host_port(first);
      if (last > first) pb->set_host_port_end(last);
    }
  }
  return absl::OkStatus();
}

// Fields with a non-zero value the CLI always sends, which mean "default".
bool IsDefaultHostConfigValue(const std::string& key, const Json& v) {
  if (key == "MemorySwappiness") return v.is_number() && v.get<double>() == -1;
  if (key == "Isolation") return v == "default";
  if (key == "CgroupnsMode" || key == "IpcMode") return v == "private";
  return false;
}

// HostConfig.LogConfig {Type, Config: {option: value}}; runtimed decides
// which drivers and options it honours (spec/log_options.h).
absl::Status ParseLogConfig(const Json& lc, v1::LogConfig* out) {
  if (lc.is_null()) return absl::OkStatus();
  if (!lc.is_object()) return WrongType("HostConfig.LogConfig", "an object");
  std::string type;
  if (absl::Status s = GetString(lc, "Type", &type, "HostConfig.LogConfig."); !s.ok()) return s;
  out->set_type(type);
  for (const auto& [key, value] : lc.items()) {
    if (key == "Type") continue;
    if (key != "Config") return Unsupported("HostConfig.LogConfig." + key);
    if (value.is_null()) continue;
    if (!value.is_object()) return WrongType("HostConfig.LogConfig.Config", "an object of strings");
    for (const auto& [option, v] : value.items()) {
      if (!v.is_string()) return WrongType("HostConfig.LogConfig.Config", "an object of strings");
      (*out->mutable_options())[option] = v.get<std::string>();
    }
  }
  return absl::OkStatus();
}

absl::Status ParseHostConfig(const Json& hc, v1::ContainerConfig* config) {
  if (hc.is_null()) return absl::OkStatus();
  if (!hc.is_object()) return WrongType("HostConfig", "an object");
  static const std::set<std::string> kHandled = {"AutoRemove", "NetworkMode", "PortBindings",
                                                  "ConsoleSize", "LogConfig", "PublishAllPorts", "Dns",
                                                  "DnsSearch", "DnsOptions", "ExtraHosts", "Links",
                                                  "RestartPolicy",
                                                  "ConsoleSize", "Init", "GroupAdd", "Runtime",
                                                  // Written by the CLI itself, not the daemon.
                                                  "ContainerIDFile"};
  bool auto_remove = false;
  if (absl::Status s = GetBool(hc, "AutoRemove", &auto_remove, "HostConfig."); !s.ok()) return s;
  config->set_auto_remove(auto_remove);
  // Init is a *bool in Docker's API: null (unset) means no init.
  if (hc.contains("Init") && !hc["Init"].is_null()) {
    bool init = false;
    if (absl::Status s = GetBool(hc, "Init", &init, "HostConfig."); !s.ok()) return s;
    config->set_init(init);
  }
  std::string runtime;
  if (absl::Status s = GetString(hc, "Runtime", &runtime, "HostConfig."); !s.ok()) return s;
  config->set_runtime(runtime);  // runtimed refuses one it does not offer
  std::string mode;
  if (absl::Status s = GetString(hc, "NetworkMode", &mode, "HostConfig."); !s.ok()) return s;
  config->set_network_mode(mode);
  if (hc.contains("PortBindings")) {
    if (absl::Status s = ParsePortBindings(hc["PortBindings"], config); !s.ok()) return s;
  }
  v1::ContainerNetworkOptions* net = config->mutable_network_options();
  bool publish_all = false;
  if (absl::Status s = GetBool(hc, "PublishAllPorts", &publish_all, "HostConfig."); !s.ok()) {
    return s;
  }
  net->set_publish_all_ports(publish_all);
  struct ListField {
    const char* key;
    google::protobuf::RepeatedPtrField<std::string>* out;
  };
  for (const ListField& f : {ListField{"Dns", net->mutable_dns()},
                             ListField{"DnsSearch", net->mutable_dns_search()},
                             ListField{"DnsOptions", net->mutable_dns_options()},
                             ListField{"ExtraHosts", net->mutable_extra_hosts()},
                             ListField{"Links", net->mutable_links()}}) {
    if (absl::Status s = GetStringArray(hc, f.key, f.out, "HostConfig."); !s.ok()) return s;
  }
  if (absl::Status s = GetStringArray(hc, "GroupAdd", config->mutable_group_add(), "HostConfig.");
      !s.ok()) {
    return s;
  }
  if (absl::Status s = ParseSecurityOptions(hc, config->mutable_security()); !s.ok()) return s;
  if (absl::Status s = ParseRestartPolicy(hc, config->mutable_restart_policy()); !s.ok()) return s;
  if (absl::Status s = ParseResources(hc, config->mutable_resources()); !s.ok()) return s;
  if (absl::Status s = ParseMountOptions(hc, config); !s.ok()) return s;
  if (hc.contains("LogConfig")) {
    if (absl::Status s = ParseLogConfig(hc["LogConfig"], config->mutable_log_config()); !s.ok()) {
      return s;
    }
  }
  if (hc.contains("ConsoleSize") && !hc["ConsoleSize"].is_null()) {
    const Json& cs = hc["ConsoleSize"];
    if (!cs.is_array() || cs.size() != 2 || !cs[0].is_number_unsigned() ||
        !cs[1].is_number_unsigned()) {
      return WrongType("HostConfig.ConsoleSize", "[height, width]");
    }
    config->set_console_height(cs[0].get<uint32_t>());
    config->set_console_width(cs[1].get<uint32_t>());
  }
  for (const auto& [key, value] : hc.items()) {
    if (kHandled.count(key) > 0 || IsSecurityHostConfigKey(key) || IsResourcesHostConfigKey(key) ||
        IsMountsHostConfigKey(key) || IsZero(value) ||
        IsDefaultHostConfigValue(key, value)) {
      continue;
    }
    return Unsupported("HostConfig." + key);
  }
  return absl::OkStatus();
}

// EndpointsConfig: per network, Aliases and IPAMConfig.IPv4Address (and
// Links and MacAddress, which are per container in Berth); the
// read-only fields the CLI echoes back (NetworkID, EndpointID, ...) must be
// zero, anything else set is refused.
absl::Status ParseEndpointSettings(const std::string& network, const Json& endpoint,
                                   v1::ContainerConfig* config) {
  const std::string at = "NetworkingConfig.EndpointsConfig." + network + ".";
  v1::NetworkEndpointSettings* settings = config->add_networks();
  settings->set_network(network);
  for (const auto& [field, v] : endpoint.items()) {
    if (field == "Aliases") {
      if (absl::Status s = GetStringArray(endpoint, "Aliases", settings->mutable_aliases(), at);
          !s.ok()) {
        return s;
      }
    } else if (field == "Links") {
      // The CLI repeats HostConfig.Links here for a user network (--link
      // there is a DNS alias); one list per container, as HostConfig's.
      google::protobuf::RepeatedPtrField<std::string> links;
      if (absl::Status s = GetStringArray(endpoint, "Links", &links, at); !s.ok()) return s;
      auto* all = config->mutable_network_options()->mutable_links();
      for (const std::string& link : links) {
        if (std::find(all->begin(), all->end(), link) == all->end()) all->Add(std::string(link));
      }
    } else if (field == "MacAddress") {
      // API 1.44+ sends the MAC here; one per container, as --mac-address.
      std::string mac;
      if (absl::Status s = GetString(endpoint, "MacAddress", &mac, at); !s.ok()) return s;
      if (!mac.empty()) config->mutable_network_options()->set_mac_address(mac);
    } else if (field == "IPAMConfig" && v.is_object()) {
      for (const auto& [key, value] : v.items()) {
        if (key == "IPv4Address") {
          std::string ip;
          if (absl::Status s = GetString(v, "IPv4Address", &ip, at + "IPAMConfig."); !s.ok()) {
            return s;
          }
          settings->set_ipv4_address(ip);
        } else if (!IsZero(value)) {
          return Unsupported(at + "IPAMConfig." + key);
        }
      }
    } else if (!IsZero(v)) {
      return Unsupported(at + field);
    }
  }
  return absl::OkStatus();
}

absl::Status ParseNetworkingConfig(const Json& nc, v1::ContainerConfig* config) {
  if (nc.is_null()) return absl::OkStatus();
  if (!nc.is_object()) return WrongType("NetworkingConfig", "an object");
  for (const auto& [key, value] : nc.items()) {
    if (key != "EndpointsConfig") {
      if (!IsZero(value)) return Unsupported("NetworkingConfig." + key);
      continue;
    }
    if (value.is_null()) continue;
    if (!value.is_object()) return WrongType("NetworkingConfig.EndpointsConfig", "an object");
    for (const auto& [network, endpoint] : value.items()) {
      if (endpoint.is_null()) continue;
      if (!endpoint.is_object()) {
        return WrongType("NetworkingConfig.EndpointsConfig." + network, "an object");
      }
      if (absl::Status s = ParseEndpointSettings(network, endpoint, config); !s.ok()) return s;
      // The CLI sends an all-zero entry for the --network it was given; it
      // says nothing the network mode does not.
      const v1::NetworkEndpointSettings& added = config->networks(config->networks_size() - 1);
      if (added.aliases_size() == 0 && added.ipv4_address().empty()) {
        config->mutable_networks()->RemoveLast();
      }
    }
  }
  return absl::OkStatus();
}

absl::Status ParseConfig(const Json& j, v1::ContainerConfig* c) {
  if (!j.is_object()) return absl::InvalidArgumentError("the request body must be a JSON object");
  struct StrField {
    const char* key;
    void (v1::ContainerConfig::*set)(const std::string&);
  };
  for (const StrField& f : {StrField{"Hostname", &v1::ContainerConfig::set_hostname},
                            StrField{"Domainname", &v1::ContainerConfig::set_domainname},
                            StrField{"User", &v1::ContainerConfig::set_user},
                            StrField{"Image", &v1::ContainerConfig::set_image},
                            StrField{"WorkingDir", &v1::ContainerConfig::set_working_dir},
                            StrField{"StopSignal", &v1::ContainerConfig::set_stop_signal}}) {
    std::string v;
    if (absl::Status s = GetString(j, f.key, &v, ""); !s.ok()) return s;
    (c->*f.set)(v);
  }
  struct BoolField {
    const char* key;
    void (v1::ContainerConfig::*set)(bool);
  };
  for (const BoolField& f : {BoolField{"AttachStdin", &v1::ContainerConfig::set_attach_stdin},
                             BoolField{"AttachStdout", &v1::ContainerConfig::set_attach_stdout},
                             BoolField{"AttachStderr", &v1::ContainerConfig::set_attach_stderr},
                             BoolField{"Tty", &v1::ContainerConfig::set_tty},
                             BoolField{"OpenStdin", &v1::ContainerConfig::set_open_stdin},
                             BoolField{"StdinOnce", &v1::ContainerConfig::set_stdin_once}}) {
    bool v = false;
    if (absl::Status s = GetBool(j, f.key, &v, ""); !s.ok()) return s;
    (c->*f.set)(v);
  }
  if (absl::Status s = GetStrings(j, "Env", c->mutable_env()); !s.ok()) return s;
  if (absl::Status s = GetStrings(j, "Cmd", c->mutable_cmd()); !s.ok()) return s;
  if (absl::Status s = GetStrings(j, "Entrypoint", c->mutable_entrypoint()); !s.ok()) return s;
  if (auto it = j.find("StopTimeout"); it != j.end() && !it->is_null()) {
    if (!it->is_number_integer()) return WrongType("StopTimeout", "an integer");
    c->set_stop_timeout(it->get<int32_t>());
  }
  if (auto it = j.find("Labels"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) return WrongType("Labels", "an object of strings");
    for (const auto& [k, v] : it->items()) {
      if (!v.is_string()) return WrongType("Labels", "an object of strings");
      (*c->mutable_labels())[k] = v.get<std::string>();
    }
  }
  if (absl::Status s = ParseConfigVolumes(j, c); !s.ok()) return s;
  std::string mac;
  if (absl::Status s = GetString(j, "MacAddress", &mac, ""); !s.ok()) return s;
  if (!mac.empty()) c->mutable_network_options()->set_mac_address(mac);
  if (absl::Status s = ParseHealthcheck(j, c); !s.ok()) return s;
  if (auto it = j.find("ExposedPorts"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) return WrongType("ExposedPorts", "an object");
    for (const auto& [k, v] : it->items()) {
      uint32_t port = 0;
      std::string proto;
      if (absl::Status s = ParsePortKey(k, &port, &proto); !s.ok()) return s;
      c->add_exposed_ports(std::to_string(port) + "/" + proto);
    }
  }
  static const std::set<std::string> kHandled = {
      "Hostname", "Domainname", "User",       "Image",      "WorkingDir", "StopSignal",
      "AttachStdin", "AttachStdout", "AttachStderr", "Tty", "OpenStdin", "StdinOnce",
      "Env",      "Cmd",        "Entrypoint", "StopTimeout", "Labels", "ExposedPorts",
      "HostConfig", "NetworkingConfig", "Volumes", "MacAddress", "Healthcheck",
      // Windows-only quoting hint; meaningless on Linux.
      "ArgsEscaped"};
  for (const auto& [key, value] : j.items()) {
    if (kHandled.count(key) == 0 && !IsZero(value)) return Unsupported(key);
  }
  if (auto it = j.find("HostConfig"); it != j.end()) {
    if (absl::Status s = ParseHostConfig(*it, c); !s.ok()) return s;
  }
  if (auto it = j.find("NetworkingConfig"); it != j.end()) {
    if (absl::Status s = ParseNetworkingConfig(*it, c); !s.ok()) return s;
  }
  // Published ports are exposed too; keep the list unique.
  std::set<std::string> ports(c->exposed_ports().begin(), c->exposed_ports().end());
  c->clear_exposed_ports();
  for (const std::string& p : ports) c->add_exposed_ports(p);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::ContainerConfig> ParseCreateBody(const std::string& body) {
  Json j = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return absl::InvalidArgumentError("invalid JSON in the request body");
  v1::ContainerConfig config;
  if (absl::Status s = ParseConfig(j, &config); !s.ok()) return s;
  return config;
}

std::string StatusText(const v1::ContainerState& state, absl::Time now) {
  auto since = [&](const google::protobuf::Timestamp& t) {
    return now - FromTimestamp(t);
  };
  std::string code = "(" + std::to_string(state.exit_code()) + ")";
  switch (state.status()) {
    case v1::CONTAINER_STATUS_RUNNING:
      return "Up " + HumanDuration(since(state.started_at()));
    case v1::CONTAINER_STATUS_PAUSED:
      return "Up " + HumanDuration(since(state.started_at())) + " (Paused)";
    case v1::CONTAINER_STATUS_RESTARTING:
      return "Restarting " + code + " " + HumanDuration(since(state.finished_at())) + " ago";
    case v1::CONTAINER_STATUS_REMOVING:
      return "Removal In Progress";
    case v1::CONTAINER_STATUS_DEAD:
      return "Dead";
    case v1::CONTAINER_STATUS_EXITED:
      if (state.finished_at().seconds() == 0) return "Exited " + code;
      return "Exited " + code + " " + HumanDuration(since(state.finished_at())) + " ago";
    default:
      return "Created";
  }
}

std::string CommandLine(const v1::Container& c) {
  if (c.path_and_args_size() > 0) return absl::StrJoin(c.path_and_args(), " ");
  std::vector<std::string> argv(c.config().entrypoint().begin(), c.config().entrypoint().end());
  argv.insert(argv.end(), c.config().cmd().begin(), c.config().cmd().end());
  return absl::StrJoin(argv, " ");
}

}  // namespace berth::apid::rest
