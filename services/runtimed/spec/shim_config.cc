#include "services/runtimed/spec/shim_config.h"

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace berth::runtimed::spec {
namespace {

using nlohmann::json;

json MountToJson(const MountSpec& m) {
  return json{{"type", m.type},       {"source", m.source},   {"target", m.target},
              {"options", m.options}, {"copy_up", m.copy_up}, {"file", m.file}};
}

MountSpec MountFromJson(const json& j) {
  MountSpec m;
  m.type = j.value("type", "");
  m.source = j.value("source", "");
  m.target = j.value("target", "");
  m.options = j.value("options", std::vector<std::string>{});
  m.copy_up = j.value("copy_up", false);
  m.file = j.value("file", false);
  return m;
}

json SecurityToJson(const SecuritySpec& s) {
  json rlimits = json::array();
  for (const auto& r : s.rlimits) {
    rlimits.push_back(json{{"name", r.name}, {"soft", r.soft}, {"hard", r.hard}});
  }
  return json{{"capabilities", s.capabilities},
              {"no_new_privileges", s.no_new_privileges},
              {"seccomp_profile", s.seccomp_profile},
              {"seccomp_program_file", s.seccomp_program_file},
              {"masked_paths", s.masked_paths},
              {"readonly_paths", s.readonly_paths},
              {"readonly_rootfs", s.readonly_rootfs},
              {"rlimits", rlimits},
              {"device_rules", s.device_rules},
              {"pids_limit", s.pids_limit},
              {"host_devices", s.host_devices}};
}

SecuritySpec SecurityFromJson(const json& j) {
  SecuritySpec s;
  s.capabilities = j.at("capabilities").get<std::vector<std::string>>();
  s.no_new_privileges = j.at("no_new_privileges").get<bool>();
  s.seccomp_profile = j.at("seccomp_profile").get<std::string>();
  s.seccomp_program_file = j.value("seccomp_program_file", "");
  s.masked_paths = j.at("masked_paths").get<std::vector<std::string>>();
  s.readonly_paths = j.at("readonly_paths").get<std::vector<std::string>>();
  s.readonly_rootfs = j.at("readonly_rootfs").get<bool>();
  for (const auto& r : j.at("rlimits")) {
    s.rlimits.push_back(Rlimit{r.at("name").get<std::string>(), r.at("soft").get<uint64_t>(),
                               r.at("hard").get<uint64_t>()});
  }
  s.device_rules = j.at("device_rules").get<std::vector<std::string>>();
  s.pids_limit = j.at("pids_limit").get<int64_t>();
  s.host_devices = j.at("host_devices").get<bool>();
  return s;
}

json ResourcesToJson(const cgroups::Limits& l) {
  return json{{"memory", l.memory},
              {"memory_swap", l.memory_swap},
              {"memory_reservation", l.memory_reservation},
              {"cpu_shares", l.cpu_shares},
              {"cpu_period", l.cpu_period},
              {"cpu_quota", l.cpu_quota},
              {"cpuset_cpus", l.cpuset_cpus},
              {"cpuset_mems", l.cpuset_mems},
              {"pids_limit", l.pids_limit},
              {"blkio_weight", l.blkio_weight},
              {"oom_kill_disable", l.oom_kill_disable}};
}

cgroups::Limits ResourcesFromJson(const json& j) {
  cgroups::Limits l;
  l.memory = j.value("memory", int64_t{0});
  l.memory_swap = j.value("memory_swap", int64_t{0});
  l.memory_reservation = j.value("memory_reservation", int64_t{0});
  l.cpu_shares = j.value("cpu_shares", int64_t{0});
  l.cpu_period = j.value("cpu_period", int64_t{0});
  l.cpu_quota = j.value("cpu_quota", int64_t{0});
  l.cpuset_cpus = j.value("cpuset_cpus", "");
  l.cpuset_mems = j.value("cpuset_mems", "");
  l.pids_limit = j.value("pids_limit", int64_t{0});
  l.blkio_weight = j.value("blkio_weight", 0u);
  l.oom_kill_disable = j.value("oom_kill_disable", false);
  return l;
}

}  // namespace

std::string ToJson(const ShimConfig& c) {
  json mounts = json::array();
  for (const auto& m : c.mounts) mounts.push_back(MountToJson(m));
  json container_mounts = json::array();
  for (const auto& m : c.container_mounts) container_mounts.push_back(MountToJson(m));
  json j{
      {"version", c.version},
      {"id", c.id},
      {"process",
       {{"args", c.args},
        {"env", c.env},
        {"cwd", c.cwd},
        {"user", c.user},
        {"group_add", c.group_add},
        {"terminal", c.tty},
        {"open_stdin", c.open_stdin},
        {"stdin_once", c.stdin_once},
        {"console_size", {{"height", c.console_height}, {"width", c.console_width}}}}},
      {"hostname", c.hostname},
      {"netns_path", c.netns_path},
      {"root", {{"path", c.rootfs_dir}}},
      {"mounts", mounts},
      {"container_mounts", container_mounts},
      {"security", SecurityToJson(c.security)},
      {"resources", ResourcesToJson(c.resources)},
      {"shm_size", c.shm_size},
      {"etc_files",
       {{"hostname", c.hostname_file}, {"hosts", c.hosts_file}, {"resolv_conf", c.resolv_conf_file}}},
      {"shim",
       {{"socket", c.socket_path},
        {"log", c.log_path},
        {"log_max_size", c.log_rotation.max_size},
        {"log_max_files", c.log_rotation.max_files},
        {"exit", c.exit_path},
        {"cgroup_parent", c.cgroup_parent}}},
  };
  if (c.join_pid != 0) j["join"] = {{"pid", c.join_pid}, {"container", c.join_container}};
  if (!c.runc.binary.empty()) {
    j["runc"] = {{"binary", c.runc.binary}, {"root", c.runc.root}, {"bundle", c.runc.bundle}};
  }
  return j.dump(2, ' ', false, json::error_handler_t::replace);
}

absl::StatusOr<ShimConfig> FromJson(const std::string& text) {
  try {
    json j = json::parse(text);
    ShimConfig c;
    c.version = j.at("version").get<int>();
    if (c.version != 2) {
      return absl::InvalidArgumentError(absl::StrCat("unsupported config version ", c.version));
    }
    c.id = j.at("id").get<std::string>();
    const json& p = j.at("process");
    c.args = p.at("args").get<std::vector<std::string>>();
    c.env = p.value("env", std::vector<std::string>{});
    c.cwd = p.value("cwd", "/");
    c.user = p.value("user", "");
    c.group_add = p.value("group_add", std::vector<std::string>{});
    c.tty = p.value("terminal", false);
    c.open_stdin = p.value("open_stdin", false);
    c.stdin_once = p.value("stdin_once", false);
    c.console_height = p.at("console_size").value("height", 0u);
    c.console_width = p.at("console_size").value("width", 0u);
    c.hostname = j.value("hostname", "");
    c.netns_path = j.value("netns_path", "");
    c.rootfs_dir = j.at("root").at("path").get<std::string>();
    for (const auto& m : j.at("mounts")) c.mounts.push_back(MountFromJson(m));
    if (j.contains("container_mounts")) {
      for (const auto& m : j.at("container_mounts")) {
        c.container_mounts.push_back(MountFromJson(m));
      }
    }
    // Required: a config without it would start an unconfined container.
    c.security = SecurityFromJson(j.at("security"));
    if (j.contains("resources")) c.resources = ResourcesFromJson(j.at("resources"));
    c.shm_size = j.value("shm_size", int64_t{64} << 20);
    const json& etc = j.at("etc_files");
    c.hostname_file = etc.value("hostname", "");
    c.hosts_file = etc.value("hosts", "");
    c.resolv_conf_file = etc.value("resolv_conf", "");
    const json& s = j.at("shim");
    c.socket_path = s.at("socket").get<std::string>();
    c.log_path = s.at("log").get<std::string>();
    c.log_rotation.max_size = s.value("log_max_size", int64_t{0});
    c.log_rotation.max_files = s.value("log_max_files", 1);
    c.exit_path = s.at("exit").get<std::string>();
    c.cgroup_parent = s.value("cgroup_parent", "");
    if (j.contains("join")) {
      c.join_pid = j.at("join").at("pid").get<int>();
      c.join_container = j.at("join").value("container", "");
      if (c.join_pid <= 0) return absl::InvalidArgumentError("join.pid must be positive");
    }
    if (j.contains("runc")) {
      const json& r = j.at("runc");
      c.runc = {r.at("binary").get<std::string>(), r.at("root").get<std::string>(),
                r.at("bundle").get<std::string>()};
    }
    return c;
  } catch (const json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("malformed shim config: ", e.what()));
  }
}

std::string ExitToJson(const ExitRecord& exit) {
  return json{{"exit_code", exit.exit_code},
              {"finished_at_unix_nano", exit.finished_unix_nano},
              {"oom_killed", exit.oom_killed}}
      .dump();
}

absl::StatusOr<ExitRecord> ExitFromJson(const std::string& text) {
  try {
    json j = json::parse(text);
    ExitRecord exit;
    exit.exit_code = j.at("exit_code").get<int>();
    exit.finished_unix_nano = j.value("finished_at_unix_nano", int64_t{0});
    exit.oom_killed = j.value("oom_killed", false);
    return exit;
  } catch (const json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("malformed exit record: ", e.what()));
  }
}

}  // namespace berth::runtimed::spec
