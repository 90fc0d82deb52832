#include "services/runtimed/launch_files.h"

#include <filesystem>

#include "common/fs/fs.h"
#include "common/status/status.h"
#include "services/runtimed/spec/spec_builder.h"

namespace berth::runtimed {

absl::StatusOr<std::string> WriteLaunchFiles(const v1::Container& record, const std::string& hosts,
                                             const std::string& resolv_conf, const Paths& paths,
                                             const spec::HostFacts& host, SeccompCache& seccomp) {
  const std::string& id = record.id();
  std::string hostname = spec::Hostname(record);
  BERTH_RETURN_IF_ERROR(fs::MakeDirs(paths.ContainerDir(id), 0700));
  BERTH_RETURN_IF_ERROR(fs::WriteFileAtomically(paths.HostnameFile(id), hostname + "\n"));
  BERTH_RETURN_IF_ERROR(fs::WriteFileAtomically(
      paths.HostsFile(id), hosts.empty() ? spec::DefaultHosts(hostname) : hosts));
  BERTH_RETURN_IF_ERROR(fs::WriteFileAtomically(
      paths.ResolvConfFile(id), resolv_conf.empty() ? spec::DefaultResolvConf() : resolv_conf));
  BERTH_ASSIGN_OR_RETURN(spec::ShimConfig shim_config, spec::BuildShimConfig(record, paths, host));
  if (!shim_config.security.seccomp_profile.empty()) {
    BERTH_ASSIGN_OR_RETURN(std::string program,
                           seccomp.Program(shim_config.security.seccomp_profile,
                                           shim_config.security.capabilities));
    BERTH_RETURN_IF_ERROR(fs::WriteFileAtomically(paths.SeccompFile(id), program, 0600));
    shim_config.security.seccomp_program_file = paths.SeccompFile(id);
  }
  BERTH_RETURN_IF_ERROR(
      fs::WriteFileAtomically(paths.ShimConfigFile(id), spec::ToJson(shim_config), 0600));
  std::filesystem::remove(paths.ExitFile(id));
  BERTH_RETURN_IF_ERROR(fs::MakeDirs(paths.ShimDir(id), 0700));
  BERTH_RETURN_IF_ERROR(fs::MakeDirs(
      std::filesystem::path(shim_config.socket_path).parent_path().string(), 0700));
  return paths.ShimConfigFile(id);
}

}  // namespace berth::runtimed
