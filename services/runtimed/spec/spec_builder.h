// Container record → the shim's runtime config (pure; unit-tested).
#pragma once

#include <string>
#include <vector>

#include "berth/v1/types.pb.h"
#include "services/runtimed/paths.h"
#include "services/runtimed/spec/security_builder.h"
#include "services/runtimed/spec/shim_config.h"

namespace berth::runtimed::spec {

inline constexpr char kDefaultPath[] =
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// Where --init's binary appears in the container, as Docker's docker-init.
inline constexpr char kInitPath[] = "/sbin/docker-init";

// The first 12 characters of the id.
std::string ShortId(const std::string& id);
// config.hostname, or the short id.
std::string Hostname(const v1::Container& record);
// entrypoint followed by cmd.
std::vector<std::string> ProcessArgs(const v1::ContainerConfig& config);
// Docker's environment: PATH (when the config has none), HOSTNAME, TERM=xterm
// for a tty, then the config's variables (which win on the same key).
std::vector<std::string> ProcessEnv(const v1::ContainerConfig& config, const std::string& hostname);
// Default /etc/hosts and /etc/resolv.conf when netd gave none.
std::string DefaultHosts(const std::string& hostname);
std::string DefaultResolvConf();

// The whole shim config for starting `record` (its network summary already
// filled in by the start request). InvalidArgument when its security options
// do not hold on this host (see BuildSecuritySpec).
absl::StatusOr<ShimConfig> BuildShimConfig(const v1::Container& record, const Paths& paths,
                                           const HostFacts& host);

// --init: `init_binary` bind-mounted read-only at kInitPath and run as pid 1
// in front of the command (`/sbin/docker-init -- <args>`). FailedPrecondition
// naming the package when the binary is not installed.
absl::Status AddInit(const std::string& init_binary, ShimConfig& c);

}  // namespace berth::runtimed::spec
