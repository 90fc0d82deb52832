#include "services/runtimed/spec/runtimes.h"
#include "services/runtimed/spec/spec_builder.h"

#include <unistd.h>

#include <set>

#include "absl/strings/str_cat.h"
#include "services/runtimed/spec/log_options.h"
#include "common/status/status.h"
#include "services/runtimed/volumes/mount_resolver.h"

namespace berth::runtimed::spec {
namespace {

std::string Key(const std::string& kv) { return kv.substr(0, kv.find('=')); }

}  // namespace

absl::Status AddInit(const std::string& init_binary, ShimConfig& c) {
  if (access(init_binary.c_str(), X_OK) != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "--init: the init binary '", init_binary,
        "' is not installed (Debian package tini)"));
  }
  // As dockerd: `docker-init -- <command>`, the binary bound read-only.
  c.args.insert(c.args.begin(), {kInitPath, "--"});
  c.container_mounts.push_back(
      MountSpec{.type = "bind", .source = init_binary, .target = kInitPath,
                .options = {"rbind", "ro"}, .file = true});
  return absl::OkStatus();
}

std::string ShortId(const std::string& id) { return id.substr(0, 12); }

std::string Hostname(const v1::Container& record) {
  return record.config().hostname().empty() ? ShortId(record.id()) : record.config().hostname();
}

std::vector<std::string> ProcessArgs(const v1::ContainerConfig& config) {
  std::vector<std::string> args(config.entrypoint().begin(), config.entrypoint().end());
  args.insert(args.end(), config.cmd().begin(), config.cmd().end());
  return args;
}

std::vector<std::string> ProcessEnv(const v1::ContainerConfig& config,
                                    const std::string& hostname) {
  std::set<std::string> keys;
  for (const auto& kv : config.env()) keys.insert(Key(kv));
  std::vector<std::string> env;
  if (!keys.count("PATH")) env.push_back(kDefaultPath);
  if (!keys.count("HOSTNAME")) env.push_back("HOSTNAME=" + hostname);
  if (config.tty() && !keys.count("TERM")) env.push_back("TERM=xterm");
  env.insert(env.end(), config.env().begin(), config.env().end());
  return env;
}

std::string DefaultHosts(const std::string& hostname) {
  return absl::StrCat("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n",
                      "fe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\n",
                      "ff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n");
}

std::string DefaultResolvConf() { return "nameserver 127.0.0.1\noptions ndots:0\n"; }

absl::StatusOr<ShimConfig> BuildShimConfig(const v1::Container& record, const Paths& paths,
                                           const HostFacts& host) {
  const v1::ContainerConfig& config = record.config();
  const std::string& id = record.id();
  ShimConfig c;
  absl::StatusOr<SecuritySpec> security = BuildSecuritySpec(config.security(), host);
  if (!security.ok()) return security.status();
  c.security = *std::move(security);
  absl::StatusOr<ResolvedResources> resources = BuildResources(config.resources(), host.resources);
  if (!resources.ok()) return resources.status();
  c.resources = resources->limits;
  c.shm_size = resources->shm_size;
  c.id = id;
  c.hostname = Hostname(record);
  c.args = ProcessArgs(config);
  c.env = ProcessEnv(config, c.hostname);
  c.cwd = config.working_dir().empty() ? "/" : config.working_dir();
  c.user = config.user();
  c.group_add.assign(config.group_add().begin(), config.group_add().end());
  c.tty = config.tty();
  c.open_stdin = config.open_stdin();
  c.stdin_once = config.stdin_once();
  c.console_height = config.console_height();
  c.console_width = config.console_width();
  c.netns_path = record.network().sandbox_key();
  c.rootfs_dir = paths.RootfsDir(id);
  for (const auto& m : record.rootfs()) {
    c.mounts.push_back(MountSpec{m.type(), m.source(), m.target(),
                                 {m.options().begin(), m.options().end()}});
  }
  c.container_mounts = volumes::ShimMounts(record);
  if (UsesRunc(config.runtime())) {
    c.runc = {host.runc_binary, paths.RuncRoot(), paths.BundleDir(id)};
  }
  if (config.init()) {
    BERTH_RETURN_IF_ERROR(AddInit(host.init_binary, c));
  }
  c.hostname_file = paths.HostnameFile(id);
  c.hosts_file = paths.HostsFile(id);
  c.resolv_conf_file = paths.ResolvConfFile(id);
  c.socket_path = paths.ShimSocket(id);
  c.log_path = paths.LogFile(id);
  absl::StatusOr<logs::RotationPolicy> rotation = BuildLogRotation(config.log_config());
  if (!rotation.ok()) return rotation.status();
  c.log_rotation = *rotation;
  c.exit_path = paths.ExitFile(id);
  return c;
}

}  // namespace berth::runtimed::spec
