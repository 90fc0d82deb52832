// Rendering of container records as Docker's inspect object and list entry
// (the declarations are in container_json.h).

#include <map>
#include <set>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "services/apid/rest/container_json.h"
#include "services/apid/rest/lifecycle_json.h"
#include "services/apid/rest/mounts_json.h"
#include "services/apid/rest/resources_json.h"
#include "services/apid/rest/security_json.h"
#include "services/apid/rest/frames.h"

namespace berth::apid::rest {
namespace {

using OJson = nlohmann::ordered_json;

bool HasLiveNetwork(const v1::Container& c) {
  auto s = c.state().status();
  return s == v1::CONTAINER_STATUS_RUNNING || s == v1::CONTAINER_STATUS_PAUSED ||
         s == v1::CONTAINER_STATUS_RESTARTING;
}

std::string Time(const google::protobuf::Timestamp& t) {
  return FormatRfc3339Nano(t.seconds(), t.nanos());
}

OJson StringsOrNull(const google::protobuf::RepeatedPtrField<std::string>& v) {
  if (v.empty()) return nullptr;
  return OJson(std::vector<std::string>(v.begin(), v.end()));
}

OJson Labels(const v1::ContainerConfig& config) {
  OJson labels = OJson::object();
  std::map<std::string, std::string> sorted(config.labels().begin(), config.labels().end());
  for (const auto& [k, v] : sorted) labels[k] = v;
  return labels;
}

std::string PortKey(const v1::PortBinding& p) {
  return std::to_string(p.container_port()) + "/" + (p.protocol().empty() ? "tcp" : p.protocol());
}

// One EndpointSettings object; zero values when the container is not running.
OJson EndpointJson(const v1::EndpointInfo* e) {
  OJson j;
  j["IPAMConfig"] = nullptr;
  j["Links"] = nullptr;
  j["Aliases"] = nullptr;
  if (e != nullptr && e->aliases_size() > 0) {
    j["Aliases"] = std::vector<std::string>(e->aliases().begin(), e->aliases().end());
  }
  j["NetworkID"] = e ? e->network_id() : "";
  j["EndpointID"] = e ? e->endpoint_id() : "";
  j["Gateway"] = e ? e->gateway() : "";
  j["IPAddress"] = e ? e->ip_address() : "";
  j["IPPrefixLen"] = e ? e->prefix_len() : 0;
  j["IPv6Gateway"] = "";
  j["GlobalIPv6Address"] = "";
  j["GlobalIPv6PrefixLen"] = 0;
  j["MacAddress"] = e ? e->mac_address() : "";
  j["DriverOpts"] = nullptr;
  return j;
}

OJson NetworksJson(const v1::Container& c) {
  OJson networks = OJson::object();
  if (HasLiveNetwork(c) && c.network().endpoints_size() > 0) {
    for (const v1::EndpointInfo& e : c.network().endpoints()) {
      networks[e.network().empty() ? c.config().network_mode() : e.network()] = EndpointJson(&e);
    }
  } else {
    std::string mode = c.config().network_mode().empty() ? "bridge" : c.config().network_mode();
    networks[mode] = EndpointJson(nullptr);
  }
  return networks;
}

const v1::EndpointInfo* PrimaryEndpoint(const v1::Container& c) {
  if (!HasLiveNetwork(c) || c.network().endpoints_size() == 0) return nullptr;
  return &c.network().endpoints(0);
}

OJson PortBindingsJson(const v1::ContainerConfig& config) {
  OJson out = OJson::object();
  for (const v1::PortBinding& p : config.port_bindings()) {
    out[PortKey(p)].push_back(
        {{"HostIp", p.host_ip()},
         {"HostPort", p.host_port() == 0 ? ""
                      : p.host_port_end() > p.host_port()
                          ? std::to_string(p.host_port()) + "-" + std::to_string(p.host_port_end())
                          : std::to_string(p.host_port())}});
  }
  return out;
}

// NetworkSettings.Ports: every exposed port → its resolved bindings, or null
// when unpublished; {} when the container is not running (as dockerd).
OJson PortsJson(const v1::Container& c) {
  OJson ports = OJson::object();
  if (!HasLiveNetwork(c)) return ports;
  for (const std::string& p : c.config().exposed_ports()) ports[p] = nullptr;
  for (const v1::PortBinding& p : c.network().ports()) {
    OJson& list = ports[PortKey(p)];
    if (list.is_null()) list = OJson::array();
    list.push_back({{"HostIp", p.host_ip().empty() ? "0.0.0.0" : p.host_ip()},
                    {"HostPort", std::to_string(p.host_port())}});
  }
  return ports;
}

OJson GraphDriverJson(const v1::Container& c) {
  OJson data = OJson::object();
  for (const v1::Mount& m : c.rootfs()) {
    if (m.type() != "overlay") continue;
    for (const std::string& opt : m.options()) {
      std::pair<std::string, std::string> kv = absl::StrSplit(opt, absl::MaxSplits('=', 1));
      if (kv.first == "lowerdir") data["LowerDir"] = kv.second;
      if (kv.first == "upperdir") data["UpperDir"] = kv.second;
      if (kv.first == "workdir") data["WorkDir"] = kv.second;
    }
  }
  return {{"Data", data.empty() ? OJson(nullptr) : data}, {"Name", "overlay2"}};
}

OJson HostConfigJson(const v1::ContainerConfig& config) {
  OJson hc;
  hc["Binds"] = nullptr;
  hc["ContainerIDFile"] = "";
  OJson log_options = OJson::object();  // sorted, as Go prints a map
  const std::map<std::string, std::string> sorted(config.log_config().options().begin(),
                                                  config.log_config().options().end());
  for (const auto& [option, value] : sorted) log_options[option] = value;
  hc["LogConfig"] = {
      {"Type", config.log_config().type().empty() ? "json-file" : config.log_config().type()},
      {"Config", log_options}};
  hc["NetworkMode"] = config.network_mode().empty() ? "bridge" : config.network_mode();
  hc["PortBindings"] = PortBindingsJson(config);
  hc["RestartPolicy"] = RestartPolicyJson(config.restart_policy());
  hc["AutoRemove"] = config.auto_remove();
  hc["Init"] = config.init() ? OJson(true) : OJson(nullptr);
  hc["VolumeDriver"] = "";
  hc["VolumesFrom"] = nullptr;
  hc["ConsoleSize"] = {config.console_height(), config.console_width()};
  WriteSecurityOptions(config.security(), hc);
  hc["CgroupnsMode"] = "private";
  const v1::ContainerNetworkOptions& net = config.network_options();
  hc["Dns"] = OJson(std::vector<std::string>(net.dns().begin(), net.dns().end()));
  hc["DnsOptions"] =
      OJson(std::vector<std::string>(net.dns_options().begin(), net.dns_options().end()));
  hc["DnsSearch"] =
      OJson(std::vector<std::string>(net.dns_search().begin(), net.dns_search().end()));
  hc["ExtraHosts"] = StringsOrNull(net.extra_hosts());
  hc["GroupAdd"] = StringsOrNull(config.group_add());
  hc["IpcMode"] = "private";
  hc["Links"] = StringsOrNull(net.links());
  hc["OomScoreAdj"] = 0;
  hc["PidMode"] = "";
  hc["PublishAllPorts"] = net.publish_all_ports();
  hc["UTSMode"] = "";
  hc["UsernsMode"] = "";
  hc["Runtime"] = config.runtime().empty() ? "berth" : config.runtime();
  hc["Isolation"] = "";
  hc["CgroupParent"] = "";
  hc["MemorySwappiness"] = nullptr;
  WriteResources(config.resources(), hc);
  WriteMountOptions(config, hc);
  hc["Devices"] = OJson::array();
  hc["MaskedPaths"] = nullptr;
  hc["ReadonlyPaths"] = nullptr;
  return hc;
}

OJson ConfigJson(const v1::Container& c) {
  const v1::ContainerConfig& config = c.config();
  OJson j;
  j["Hostname"] = config.hostname().empty() ? c.id().substr(0, 12) : config.hostname();
  j["Domainname"] = config.domainname();
  j["User"] = config.user();
  j["AttachStdin"] = config.attach_stdin();
  j["AttachStdout"] = config.attach_stdout();
  j["AttachStderr"] = config.attach_stderr();
  if (config.exposed_ports_size() > 0) {
    OJson ports = OJson::object();
    for (const std::string& p : config.exposed_ports()) ports[p] = OJson::object();
    j["ExposedPorts"] = ports;
  }
  if (!config.network_options().mac_address().empty()) {
    j["MacAddress"] = config.network_options().mac_address();
  }
  j["Tty"] = config.tty();
  j["OpenStdin"] = config.open_stdin();
  j["StdinOnce"] = config.stdin_once();
  j["Env"] = StringsOrNull(config.env());
  j["Cmd"] = StringsOrNull(config.cmd());
  j["Image"] = config.image();
  if (c.config().volumes().empty()) {
    j["Volumes"] = nullptr;
  } else {
    OJson volumes = OJson::object();
    for (const auto& v : c.config().volumes()) volumes[v] = OJson::object();
    j["Volumes"] = volumes;
  }
  j["WorkingDir"] = config.working_dir();
  j["Entrypoint"] = StringsOrNull(config.entrypoint());
  j["OnBuild"] = nullptr;
  j["Labels"] = Labels(config);
  if (!config.stop_signal().empty()) j["StopSignal"] = config.stop_signal();
  if (config.stop_timeout() != 0) j["StopTimeout"] = config.stop_timeout();
  if (config.has_healthcheck()) j["Healthcheck"] = HealthcheckJson(config.healthcheck());
  return j;
}

OJson StateJson(const v1::ContainerState& s) {
  OJson j;
  j["Status"] = StateName(s.status());
  j["Running"] = s.status() == v1::CONTAINER_STATUS_RUNNING ||
                 s.status() == v1::CONTAINER_STATUS_PAUSED ||
                 s.status() == v1::CONTAINER_STATUS_RESTARTING;
  j["Paused"] = s.status() == v1::CONTAINER_STATUS_PAUSED;
  j["Restarting"] = s.status() == v1::CONTAINER_STATUS_RESTARTING;
  j["OOMKilled"] = s.oom_killed();
  j["Dead"] = s.status() == v1::CONTAINER_STATUS_DEAD;
  j["Pid"] = s.pid();
  j["ExitCode"] = s.exit_code();
  j["Error"] = s.error();
  j["StartedAt"] = Time(s.started_at());
  j["FinishedAt"] = Time(s.finished_at());
  return j;
}

std::vector<std::string> ProcessArgv(const v1::Container& c) {
  if (c.path_and_args_size() > 0) return {c.path_and_args().begin(), c.path_and_args().end()};
  std::vector<std::string> argv(c.config().entrypoint().begin(), c.config().entrypoint().end());
  argv.insert(argv.end(), c.config().cmd().begin(), c.config().cmd().end());
  return argv;
}

}  // namespace

std::string ContainerInspectJson(const v1::Container& c) {
  std::vector<std::string> argv = ProcessArgv(c);
  OJson j;
  j["Id"] = c.id();
  j["Created"] = Time(c.created());
  j["Path"] = argv.empty() ? "" : argv[0];
  j["Args"] = argv.size() > 1 ? std::vector<std::string>(argv.begin() + 1, argv.end())
                              : std::vector<std::string>{};
  j["State"] = StateJson(c.state());
  if (!HealthStatus(c).empty()) j["State"]["Health"] = HealthJson(c.health());
  j["Image"] = c.image_id();
  j["ResolvConfPath"] = c.resolv_conf_path();
  j["HostnamePath"] = c.hostname_path();
  j["HostsPath"] = c.hosts_path();
  j["LogPath"] = c.log_path();
  j["Name"] = "/" + c.name();
  j["RestartCount"] = c.restart_count();
  j["Driver"] = "overlay2";
  j["Platform"] = "linux";
  j["MountLabel"] = "";
  j["ProcessLabel"] = "";
  j["AppArmorProfile"] = "";
  j["ExecIDs"] = nullptr;
  j["HostConfig"] = HostConfigJson(c.config());
  j["GraphDriver"] = GraphDriverJson(c);
  j["Mounts"] = MountPointsJson(c);
  j["Config"] = ConfigJson(c);

  const v1::EndpointInfo* e = PrimaryEndpoint(c);
  OJson ns;
  ns["Bridge"] = "";
  ns["SandboxID"] = "";
  ns["HairpinMode"] = false;
  ns["LinkLocalIPv6Address"] = "";
  ns["LinkLocalIPv6PrefixLen"] = 0;
  ns["Ports"] = PortsJson(c);
  ns["SandboxKey"] = HasLiveNetwork(c) ? c.network().sandbox_key() : "";
  ns["SecondaryIPAddresses"] = nullptr;
  ns["SecondaryIPv6Addresses"] = nullptr;
  ns["EndpointID"] = e ? e->endpoint_id() : "";
  ns["Gateway"] = e ? e->gateway() : "";
  ns["GlobalIPv6Address"] = "";
  ns["GlobalIPv6PrefixLen"] = 0;
  ns["IPAddress"] = e ? e->ip_address() : "";
  ns["IPPrefixLen"] = e ? e->prefix_len() : 0;
  ns["IPv6Gateway"] = "";
  ns["MacAddress"] = e ? e->mac_address() : "";
  ns["Networks"] = NetworksJson(c);
  j["NetworkSettings"] = ns;
  return j.dump(-1, ' ', false, OJson::error_handler_t::replace);
}

OJson ContainerListEntry(const v1::Container& c, absl::Time now) {
  OJson j;
  j["Id"] = c.id();
  j["Names"] = {"/" + c.name()};
  j["Image"] = c.config().image();
  j["ImageID"] = c.image_id();
  j["Command"] = CommandLine(c);
  j["Created"] = c.created().seconds();
  OJson ports = OJson::array();
  std::set<std::string> published;
  if (HasLiveNetwork(c)) {
    for (const v1::PortBinding& p : c.network().ports()) {
      published.insert(PortKey(p));
      ports.push_back({{"IP", p.host_ip().empty() ? "0.0.0.0" : p.host_ip()},
                       {"PrivatePort", p.container_port()},
                       {"PublicPort", p.host_port()},
                       {"Type", p.protocol().empty() ? "tcp" : p.protocol()}});
    }
  }
  for (const std::string& key : c.config().exposed_ports()) {
    if (published.count(key) > 0) continue;
    std::pair<std::string, std::string> pp = absl::StrSplit(key, absl::MaxSplits('/', 1));
    uint32_t port = 0;
    if (!absl::SimpleAtoi(pp.first, &port)) continue;
    ports.push_back({{"PrivatePort", port}, {"Type", pp.second.empty() ? "tcp" : pp.second}});
  }
  j["Ports"] = ports;
  j["Labels"] = Labels(c.config());
  j["State"] = StateName(c.state().status());
  j["Status"] = StatusText(c.state(), now);
  // dockerd's ps: "Up 3 seconds (healthy)", "(health: starting)".
  if (c.state().status() == v1::CONTAINER_STATUS_RUNNING && !HealthStatus(c).empty()) {
    const std::string health = HealthStatus(c);
    j["Status"] = j["Status"].get<std::string>() +
                  (health == "starting" ? " (health: starting)" : " (" + health + ")");
  }
  j["HostConfig"] = {
      {"NetworkMode", c.config().network_mode().empty() ? "bridge" : c.config().network_mode()}};
  j["NetworkSettings"] = {{"Networks", NetworksJson(c)}};
  j["Mounts"] = MountPointsJson(c);
  return j;
}

std::string ContainerListEntryJson(const v1::Container& c, absl::Time now) {
  return ContainerListEntry(c, now).dump(-1, ' ', false, OJson::error_handler_t::replace);
}

}  // namespace berth::apid::rest
