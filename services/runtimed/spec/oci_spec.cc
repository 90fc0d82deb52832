#include "services/runtimed/spec/oci_spec.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace berth::runtimed::spec {
namespace {

using json = nlohmann::json;

json Mount(const std::string& destination, const std::string& type, const std::string& source,
           std::vector<std::string> options) {
  return json{{"destination", destination}, {"type", type}, {"source", source},
              {"options", std::move(options)}};
}

// The kernel file systems every container gets, as dockerd's default spec
// (oci/defaults.go) lists them, /dev/shm sized as asked.
json DefaultMounts(int64_t shm_size) {
  return json::array({
      Mount("/proc", "proc", "proc", {"nosuid", "noexec", "nodev"}),
      Mount("/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}),
      Mount("/dev/pts", "devpts", "devpts",
            {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}),
      Mount("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}),
      Mount("/sys/fs/cgroup", "cgroup", "cgroup", {"ro", "nosuid", "noexec", "nodev"}),
      Mount("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}),
      Mount("/dev/shm", "tmpfs", "shm",
            {"nosuid", "noexec", "nodev", "mode=1777", absl::StrCat("size=", shm_size / 1024, "k")}),
  });
}

json Resources(const ShimConfig& c, json devices) {
  const cgroups::Limits& l = c.resources;
  json r = {{"devices", std::move(devices)}};
  json memory = json::object();
  if (l.memory > 0) memory["limit"] = l.memory;
  if (l.memory_reservation > 0) memory["reservation"] = l.memory_reservation;
  if (l.memory_swap != 0) memory["swap"] = l.memory_swap;
  if (l.oom_kill_disable) memory["disableOOMKiller"] = true;
  if (!memory.empty()) r["memory"] = memory;
  json cpu = json::object();
  if (l.cpu_shares > 0) cpu["shares"] = l.cpu_shares;
  if (l.cpu_quota > 0) cpu["quota"] = l.cpu_quota;
  if (l.cpu_period > 0) cpu["period"] = l.cpu_period;
  if (!l.cpuset_cpus.empty()) cpu["cpus"] = l.cpuset_cpus;
  if (!l.cpuset_mems.empty()) cpu["mems"] = l.cpuset_mems;
  if (!cpu.empty()) r["cpu"] = cpu;
  // --pids-limit replaces runtimed's default pids.max (-1: none at all).
  int64_t pids = l.pids_limit != 0 ? l.pids_limit : c.security.pids_limit;
  if (pids != 0) r["pids"] = {{"limit", pids}};
  if (l.blkio_weight > 0) r["blockIO"] = {{"weight", l.blkio_weight}};
  return r;
}

}  // namespace

absl::StatusOr<json> OciDeviceRules(const std::vector<std::string>& rules) {
  json out = json::array({{{"allow", false}, {"access", "rwm"}}});
  for (const std::string& rule : rules) {
    if (rule == "a") {
      out.push_back({{"allow", true}, {"access", "rwm"}});
      continue;
    }
    std::vector<std::string> f = absl::StrSplit(rule, ' ');
    std::vector<std::string> numbers;
    if (f.size() == 3) numbers = absl::StrSplit(f[1], ':');
    if (numbers.size() != 2 || (f[0] != "c" && f[0] != "b")) {
      return absl::InvalidArgumentError(absl::StrCat("device rule \"", rule, "\" for runc"));
    }
    json entry = {{"allow", true}, {"type", f[0]}, {"access", f[2]}};
    const char* keys[] = {"major", "minor"};
    for (int i = 0; i < 2; ++i) {
      int64_t n = 0;
      if (numbers[i] == "*") continue;  // absent: any
      if (!absl::SimpleAtoi(numbers[i], &n)) {
        return absl::InvalidArgumentError(absl::StrCat("device rule \"", rule, "\" for runc"));
      }
      entry[keys[i]] = n;
    }
    out.push_back(entry);
  }
  return out;
}

json OciProcess(const ShimConfig& c) {
  const SecuritySpec& s = c.security;
  json rlimits = json::array();
  for (const Rlimit& r : s.rlimits) {
    rlimits.push_back({{"type", "RLIMIT_" + absl::AsciiStrToUpper(r.name)},
                       {"hard", r.hard},
                       {"soft", r.soft}});
  }
  json process = {
      {"terminal", c.tty},
      {"user", {{"uid", 0}, {"gid", 0}}},
      {"args", c.args},
      {"env", c.env},
      {"cwd", c.cwd.empty() ? "/" : c.cwd},
      // Inheritable and ambient stay empty, as in Docker (CVE-2022-24769).
      {"capabilities",
       {{"bounding", s.capabilities}, {"effective", s.capabilities},
        {"permitted", s.capabilities}}},
      {"rlimits", rlimits},
      {"noNewPrivileges", s.no_new_privileges},
  };
  if (c.tty && c.console_height > 0 && c.console_width > 0) {
    process["consoleSize"] = {{"height", c.console_height}, {"width", c.console_width}};
  }
  return process;
}

void SetOciUser(json& process, uid_t uid, gid_t gid, const std::vector<gid_t>& additional_gids) {
  process["user"] = {{"uid", uid}, {"gid", gid}, {"additionalGids", additional_gids}};
}

absl::StatusOr<json> OciConfig(const ShimConfig& c, const json& seccomp) {
  json mounts = DefaultMounts(c.shm_size);
  // /etc/hostname, /etc/hosts and /etc/resolv.conf: Berth's files, bound.
  for (const auto& [target, source] :
       {std::pair<std::string, std::string>{"/etc/hostname", c.hostname_file},
        {"/etc/hosts", c.hosts_file},
        {"/etc/resolv.conf", c.resolv_conf_file}}) {
    if (!source.empty()) mounts.push_back(Mount(target, "bind", source, {"rbind", "rprivate"}));
  }
  // Volumes, binds, tmpfs and --init's binary, parents first, as the user
  // gave their options (rbind, ro, propagation; tmpfs size and mode).
  for (const MountSpec& m : c.container_mounts) {
    mounts.push_back(Mount(m.target, m.type, m.type == "tmpfs" ? "tmpfs" : m.source, m.options));
  }
  json namespaces = json::array({{{"type", "pid"}}, {{"type", "ipc"}}, {{"type", "uts"}},
                                 {{"type", "mount"}}, {{"type", "cgroup"}}});
  json network = {{"type", "network"}};
  if (!c.netns_path.empty()) network["path"] = c.netns_path;  // netd's namespace
  namespaces.push_back(network);
  absl::StatusOr<json> devices = OciDeviceRules(c.security.device_rules);
  if (!devices.ok()) return devices.status();
  json linux_section = {
      {"namespaces", namespaces},
      {"maskedPaths", c.security.masked_paths},
      {"readonlyPaths", c.security.readonly_paths},
      {"resources", Resources(c, *std::move(devices))},
  };
  // The same cgroup Berth's executor uses (berth/<id> in each hierarchy),
  // so pause, top, stats and update work on either runtime.
  if (!c.cgroup_parent.empty()) linux_section["cgroupsPath"] = "/" + c.cgroup_parent + "/" + c.id;
  if (!seccomp.is_null()) linux_section["seccomp"] = seccomp;
  return json{
      {"ociVersion", "1.0.2"},
      {"process", OciProcess(c)},
      {"root", {{"path", c.rootfs_dir}, {"readonly", c.security.readonly_rootfs}}},
      {"hostname", c.hostname},
      {"mounts", mounts},
      {"linux", linux_section},
  };
}

}  // namespace berth::runtimed::spec
