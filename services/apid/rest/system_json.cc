#include "services/apid/rest/system_json.h"

#include <nlohmann/json.hpp>

#include "services/apid/rest/frames.h"

namespace berth::apid::rest {
namespace {
using OJson = nlohmann::ordered_json;
std::string Dump(const OJson& j) { return j.dump(-1, ' ', false, OJson::error_handler_t::replace); }
}  // namespace

std::string VersionJson(const v1::VersionResponse& v, const HostFacts& facts,
                        const std::string& build_time) {
  OJson details;
  details["ApiVersion"] = v.api_version();
  details["Arch"] = v.arch();
  details["BuildTime"] = build_time;
  details["Experimental"] = "false";
  details["GitCommit"] = v.git_commit();
  details["GoVersion"] = "n/a";
  details["KernelVersion"] = v.kernel_version();
  details["MinAPIVersion"] = "1.12";
  details["Os"] = v.os();
  OJson j;
  j["Platform"] = {{"Name", "Berth Engine"}};
  j["Components"] = OJson::array({{{"Name", "Engine"}, {"Version", v.version()},
                                   {"Details", details}}});
  j["Version"] = v.version();
  j["ApiVersion"] = v.api_version();
  j["MinAPIVersion"] = "1.12";
  j["GitCommit"] = v.git_commit();
  j["GoVersion"] = "n/a";
  j["Os"] = v.os();
  j["Arch"] = v.arch();
  j["KernelVersion"] = v.kernel_version();
  j["Experimental"] = false;
  j["BuildTime"] = build_time;
  return Dump(j);
}

std::string InfoJson(const v1::InfoResponse& info, const HostFacts& facts,
                     const std::vector<std::string>& warnings) {
  OJson j;
  j["ID"] = info.id();
  j["Containers"] = info.containers();
  j["ContainersRunning"] = info.containers_running();
  j["ContainersPaused"] = info.containers_paused();
  j["ContainersStopped"] = info.containers_stopped();
  j["Images"] = info.images();
  j["Driver"] = "overlay2";
  j["DriverStatus"] = OJson::array({{"Backing Filesystem", "extfs"}, {"Supports d_type", "true"}});
  j["Plugins"] = {{"Volume", {"local"}},
                  {"Network", {"bridge", "host", "null"}},
                  {"Authorization", nullptr},
                  {"Log", {"json-file"}}};
  j["MemoryLimit"] = true;
  j["SwapLimit"] = false;
  j["KernelMemory"] = false;
  j["KernelMemoryTCP"] = false;
  j["CpuCfsPeriod"] = true;
  j["CpuCfsQuota"] = true;
  j["CPUShares"] = true;
  j["CPUSet"] = true;
  j["PidsLimit"] = true;
  j["IPv4Forwarding"] = true;
  j["BridgeNfIptables"] = true;
  j["BridgeNfIp6tables"] = true;
  j["Debug"] = false;
  j["NFd"] = 0;
  j["OomKillDisable"] = false;
  j["NGoroutines"] = 0;
  j["SystemTime"] = FormatRfc3339Nano(info.system_time().seconds(), info.system_time().nanos());
  j["LoggingDriver"] = "json-file";
  j["CgroupDriver"] = "cgroupfs";
  j["CgroupVersion"] = info.cgroup_version();
  j["NEventsListener"] = 0;
  j["KernelVersion"] = info.kernel_version();
  j["OperatingSystem"] = info.operating_system();
  j["OSVersion"] = facts.os_version;
  j["OSType"] = "linux";
  j["Architecture"] = info.architecture();
  j["IndexServerAddress"] = "https://index.docker.io/v1/";
  j["RegistryConfig"] = {
      {"AllowNondistributableArtifactsCIDRs", OJson::array()},
      {"AllowNondistributableArtifactsHostnames", OJson::array()},
      {"InsecureRegistryCIDRs", {"127.0.0.0/8"}},
      {"IndexConfigs",
       {{"docker.io",
         {{"Name", "docker.io"}, {"Mirrors", OJson::array()}, {"Secure", true},
          {"Official", true}}}}},
      {"Mirrors", OJson::array()}};
  j["NCPU"] = info.ncpu();
  j["MemTotal"] = info.mem_total();
  j["GenericResources"] = nullptr;
  j["DockerRootDir"] = info.root_dir();
  j["HttpProxy"] = "";
  j["HttpsProxy"] = "";
  j["NoProxy"] = "";
  j["Name"] = info.name();
  j["Labels"] = OJson::array();
  j["ExperimentalBuild"] = false;
  j["ServerVersion"] = info.server_version();
  OJson runtimes = OJson::object();
  for (const v1::RuntimeDescription& r : info.runtimes()) {
    runtimes[r.name()] = {{"path", r.path()}};
  }
  if (runtimes.empty()) runtimes["berth"] = {{"path", "berth-shim"}};  // runtimed not answering
  j["Runtimes"] = runtimes;
  j["DefaultRuntime"] = info.default_runtime().empty() ? "berth" : info.default_runtime();
  j["Swarm"] = {{"NodeID", ""},           {"NodeAddr", ""},         {"LocalNodeState", "inactive"},
                {"ControlAvailable", false}, {"Error", ""},          {"RemoteManagers", nullptr}};
  j["LiveRestoreEnabled"] = true;
  j["Isolation"] = "";
  // dockerd names its init "docker-init"; Berth's is Debian's tini-static,
  // bind-mounted at /sbin/docker-init. Empty when runtimed has none.
  j["InitBinary"] = info.init_binary().empty() ? "" : "docker-init";
  j["ContainerdCommit"] = {{"ID", ""}, {"Expected", ""}};
  j["RuncCommit"] = {{"ID", ""}, {"Expected", ""}};
  j["InitCommit"] = {{"ID", ""}, {"Expected", ""}};
  // What runtimed's init applies to every container unless told otherwise
  // (docs/security.md): Docker's default seccomp profile (builtin, not read
  // from a file) and a private cgroup namespace. No AppArmor, SELinux or user
  // namespaces, so they are not listed.
  j["SecurityOptions"] = {"name=seccomp,profile=builtin", "name=cgroupns"};
  j["Warnings"] = warnings.empty() ? OJson(nullptr) : OJson(warnings);
  return Dump(j);
}

}  // namespace berth::apid::rest
