#include "services/apid/usecases/config_merge.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <set>
#include <vector>

namespace berth::apid {
namespace {

std::string EnvKey(const std::string& entry) { return entry.substr(0, entry.find('=')); }

std::vector<std::string> MergeEnv(const v1::ImageConfig& image,
                                  const v1::ContainerConfig& request) {
  std::vector<std::string> env(image.env().begin(), image.env().end());
  for (const std::string& entry : request.env()) {
    std::string key = EnvKey(entry);
    auto it = std::find_if(env.begin(), env.end(),
                           [&](const std::string& e) { return EnvKey(e) == key; });
    if (it != env.end()) {
      *it = entry;
    } else {
      env.push_back(entry);
    }
  }
  return env;
}

bool IsValidNameChar(char c, bool first) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return !first && (c == '_' || c == '.' || c == '-');
}

}  // namespace

absl::StatusOr<v1::ContainerConfig> MergeImageConfig(const v1::ImageConfig& image,
                                                     const v1::ContainerConfig& request) {
  v1::ContainerConfig merged = request;

  merged.clear_entrypoint();
  merged.clear_cmd();
  if (request.entrypoint_size() > 0) {
    // `--entrypoint ""` arrives as [""]: no entrypoint at all.
    bool reset = request.entrypoint_size() == 1 && request.entrypoint(0).empty();
    if (!reset) *merged.mutable_entrypoint() = request.entrypoint();
    *merged.mutable_cmd() = request.cmd();
  } else {
    *merged.mutable_entrypoint() = image.entrypoint();
    *merged.mutable_cmd() = request.cmd_size() > 0 ? request.cmd() : image.cmd();
  }
  if (merged.entrypoint_size() == 0 && merged.cmd_size() == 0) {
    return absl::InvalidArgumentError("No command specified");
  }

  merged.clear_env();
  for (std::string& entry : MergeEnv(image, request)) merged.add_env(std::move(entry));

  if (merged.working_dir().empty()) merged.set_working_dir(image.working_dir());
  if (merged.user().empty()) merged.set_user(image.user());
  if (merged.stop_signal().empty()) merged.set_stop_signal(image.stop_signal());

  merged.clear_labels();
  for (const auto& [k, v] : image.labels()) (*merged.mutable_labels())[k] = v;
  for (const auto& [k, v] : request.labels()) (*merged.mutable_labels())[k] = v;

  std::set<std::string> ports(image.exposed_ports().begin(), image.exposed_ports().end());
  ports.insert(request.exposed_ports().begin(), request.exposed_ports().end());
  merged.clear_exposed_ports();
  for (const std::string& port : ports) merged.add_exposed_ports(port);
  // The image's VOLUMEs join the request's own anonymous volumes (Docker's
  // Config.Volumes); runtimed skips those a bind or mount already covers.
  std::set<std::string> volumes(image.volumes().begin(), image.volumes().end());
  volumes.insert(request.volumes().begin(), request.volumes().end());
  merged.clear_volumes();
  for (const std::string& volume : volumes) merged.add_volumes(volume);

  // HEALTHCHECK, as dockerd merges it: the request's when it has none of
  // its own, else each unset field of the request's from the image's.
  if (image.has_healthcheck()) {
    const v1::HealthConfig& from = image.healthcheck();
    if (!request.has_healthcheck()) {
      *merged.mutable_healthcheck() = from;
    } else {
      v1::HealthConfig* to = merged.mutable_healthcheck();
      if (to->test().empty()) *to->mutable_test() = from.test();
      if (to->interval_ns() == 0) to->set_interval_ns(from.interval_ns());
      if (to->timeout_ns() == 0) to->set_timeout_ns(from.timeout_ns());
      if (to->start_period_ns() == 0) to->set_start_period_ns(from.start_period_ns());
      if (to->start_interval_ns() == 0) to->set_start_interval_ns(from.start_interval_ns());
      if (to->retries() == 0) to->set_retries(from.retries());
    }
  }
  return merged;
}

absl::StatusOr<std::string> NormalizeNetworkMode(const std::string& mode) {
  if (mode.empty() || mode == "default" || mode == "bridge") return std::string("bridge");
  if (mode == "none") return std::string("none");
  if (mode == "host") return mode;
  if (mode.rfind("container:", 0) == 0) {
    if (mode.size() == std::string("container:").size()) {
      return absl::InvalidArgumentError(
          "Invalid network mode: invalid container format container:<name|id>");
    }
    return mode;
  }
  // A user-defined network: ContainerService checks with netd that it exists.
  return mode;
}

absl::StatusOr<std::vector<std::string>> CheckNetworkOptions(const v1::ContainerConfig& request,
                                                             const std::string& mode) {
  const v1::ContainerNetworkOptions& net = request.network_options();
  const bool container_mode = mode.rfind("container:", 0) == 0;
  if (container_mode) {
    if (!request.hostname().empty()) {
      return absl::InvalidArgumentError("conflicting options: hostname and the network mode");
    }
    if (!net.links().empty()) {
      return absl::InvalidArgumentError(
          "conflicting options: container type network can't be used with links. This would "
          "result in undefined behavior");
    }
    if (!net.dns().empty()) {
      return absl::InvalidArgumentError("conflicting options: dns and the network mode");
    }
    if (!net.extra_hosts().empty()) {
      return absl::InvalidArgumentError(
          "conflicting options: custom host-to-IP mapping and the network mode");
    }
    if (!request.port_bindings().empty() || net.publish_all_ports()) {
      return absl::InvalidArgumentError(
          "conflicting options: port publishing and the container type network mode");
    }
    if (!request.exposed_ports().empty()) {
      return absl::InvalidArgumentError(
          "conflicting options: port exposing and the container type network mode");
    }
  }
  if ((container_mode || mode == "host") && !net.mac_address().empty()) {
    return absl::InvalidArgumentError("conflicting options: mac-address and the network mode");
  }
  if (mode == "host" && !net.links().empty()) {
    return absl::InvalidArgumentError(
        "conflicting options: host type networking can't be used with links. This would result "
        "in undefined behavior");
  }
  if (!net.links().empty() && mode == "none") {
    // Docker fails later, at start, without a useful text.
    return absl::InvalidArgumentError("conflicting options: --link and network mode none");
  }
  for (const std::string& server : net.dns()) {
    in6_addr v6{};
    in_addr v4{};
    if (::inet_pton(AF_INET, server.c_str(), &v4) != 1 &&
        ::inet_pton(AF_INET6, server.c_str(), &v6) != 1) {
      return absl::InvalidArgumentError(server + " is not an ip address");
    }
  }
  std::vector<std::string> warnings;
  if (mode == "host" && (!request.port_bindings().empty() || net.publish_all_ports())) {
    warnings.push_back("Published ports are discarded when using host network mode");
  }
  return warnings;
}

absl::StatusOr<std::string> NormalizeContainerName(const std::string& name) {
  std::string bare = !name.empty() && name[0] == '/' ? name.substr(1) : name;
  if (bare.empty()) return bare;
  bool ok = bare.size() >= 2;
  for (size_t i = 0; ok && i < bare.size(); ++i) ok = IsValidNameChar(bare[i], i == 0);
  if (!ok) {
    return absl::InvalidArgumentError("Invalid container name (" + name +
                                      "), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
  }
  return bare;
}

std::string EffectiveHostname(const v1::ContainerConfig& config, const std::string& id) {
  return config.hostname().empty() ? id.substr(0, 12) : config.hostname();
}

}  // namespace berth::apid
