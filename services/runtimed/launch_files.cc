#include "services/runtimed/launch_files.h"

#include <filesystem>

#include "common/fs/fs.h"
#include "common/status/status.h"
#include "services/runtimed/security/seccomp_profile.h"
#include "services/runtimed/spec/oci_spec.h"
#include "services/runtimed/spec/spec_builder.h"

namespace berth::runtimed {
namespace {

// The resolved profile (Docker's JSON) as OCI's linux.seccomp, for runc.
absl::StatusOr<nlohmann::json> OciSeccomp(const std::string& profile_json) {
  if (profile_json.empty()) return nlohmann::json();  // unconfined or privileged
  BERTH_ASSIGN_OR_RETURN(security::SeccompProfile p,
                         security::ParseDockerSeccompProfile(profile_json, {}));
  nlohmann::json syscalls = nlohmann::json::array();
  for (const security::SeccompRule& r : p.syscalls) {
    nlohmann::json rule = {{"names", r.names}, {"action", r.action}};
    if (r.errno_ret.has_value()) rule["errnoRet"] = *r.errno_ret;
    nlohmann::json args = nlohmann::json::array();
    for (const security::SeccompArg& a : r.args) {
      args.push_back({{"index", a.index}, {"value", a.value}, {"valueTwo", a.value_two},
                      {"op", a.op}});
    }
    if (!args.empty()) rule["args"] = args;
    syscalls.push_back(rule);
  }
  nlohmann::json out = {{"defaultAction", p.default_action},
                        {"architectures", p.architectures},
                        {"syscalls", syscalls}};
  if (p.default_errno.has_value()) out["defaultErrnoRet"] = *p.default_errno;
  return out;
}

}  // namespace

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
  if (!shim_config.runc.binary.empty()) {
    // --runtime runc: the OCI bundle from the same resolved config.
    BERTH_ASSIGN_OR_RETURN(nlohmann::json seccomp_json,
                           OciSeccomp(shim_config.security.seccomp_profile));
    BERTH_ASSIGN_OR_RETURN(nlohmann::json oci, spec::OciConfig(shim_config, seccomp_json));
    BERTH_RETURN_IF_ERROR(fs::MakeDirs(shim_config.runc.bundle, 0700));
    BERTH_RETURN_IF_ERROR(fs::WriteFileAtomically(shim_config.runc.bundle + "/config.json",
                                                  oci.dump(2), 0600));
  }
  std::filesystem::remove(paths.ExitFile(id));
  BERTH_RETURN_IF_ERROR(fs::MakeDirs(paths.ShimDir(id), 0700));
  BERTH_RETURN_IF_ERROR(fs::MakeDirs(
      std::filesystem::path(shim_config.socket_path).parent_path().string(), 0700));
  return paths.ShimConfigFile(id);
}

}  // namespace berth::runtimed
