// The runtime configuration berth-shim reads: `<container dir>/config.json`.
// It is Berth's own, OCI-like JSON (process, root, mounts, namespaces), written
// by runtimed at start and read by the shim; no protobuf on the shim side.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/runtimed/cgroups/cgroup_manager.h"
#include "services/runtimed/logs/rotating_log.h"
#include "services/runtimed/spec/rlimits.h"

namespace berth::runtimed::spec {

// A mount described as data (same shape as berth.v1.Mount). target "" or "/"
// means the container's root filesystem.
struct MountSpec {
  std::string type;
  std::string source;
  std::string target;
  std::vector<std::string> options;
  // Container mounts only: fill an empty volume (source) from the image's
  // content at target before mounting; the target is a file, not a dir.
  bool copy_up = false;
  bool file = false;

  bool operator==(const MountSpec&) const = default;
};

// How the init confines the process, fully resolved by runtimed (the shim
// decides nothing): docs/security.md explains each property.
struct SecuritySpec {
  // The one set used for the bounding, permitted, effective and inheritable
  // sets ("CAP_CHOWN", ...); ambient is always cleared.
  std::vector<std::string> capabilities;
  bool no_new_privileges = false;
  // A resolved profile in Docker's JSON format; "" = no filter (unconfined or
  // privileged).
  std::string seccomp_profile;
  // The profile compiled by runtimed (BPF), which the init loads.
  std::string seccomp_program_file;
  std::vector<std::string> masked_paths;    // over-mounted: /dev/null for files, empty ro tmpfs for dirs
  std::vector<std::string> readonly_paths;  // bind-remounted read-only
  bool readonly_rootfs = false;
  std::vector<Rlimit> rlimits;
  // Device cgroup rules written to devices.allow after denying "a"
  // ("c 1:3 rwm"); {"a"} means every device (privileged).
  std::vector<std::string> device_rules;
  int64_t pids_limit = 0;  // pids.max; 0 = no limit
  bool host_devices = false;  // privileged: the host's device nodes in /dev

  bool operator==(const SecuritySpec&) const = default;
};

// --runtime runc: berth-shim drives runc instead of its own executor.
struct RuncSettings {
  std::string binary;  // "" = Berth's executor
  std::string root;    // runc --root: its state dir (private to the stack)
  std::string bundle;  // holds the OCI config.json runtimed wrote
  bool operator==(const RuncSettings&) const = default;
};

struct ShimConfig {
  int version = 2;
  std::string id;

  // The process.
  std::vector<std::string> args;  // args[0] is resolved through PATH in the container
  std::vector<std::string> env;   // "K=V"
  std::string cwd = "/";
  std::string user;               // "", "uid", "uid:gid", "name", "name:group"
  std::vector<std::string> group_add;  // --group-add: names or gids in the image's /etc/group
  bool tty = false;
  bool open_stdin = false;
  bool stdin_once = false;
  uint32_t console_height = 0;
  uint32_t console_width = 0;

  // Namespaces and root.
  std::string hostname;
  std::string netns_path;         // "" → a new, empty network namespace
  std::string rootfs_dir;         // where the root mount goes (host path)
  std::vector<MountSpec> mounts;  // rootfs first ("" or "/" target)
  // Volumes, binds and tmpfs (docker run -v/--mount/--tmpfs), parents
  // first; mounted after /proc, /dev and /sys, every target inside the root.
  std::vector<MountSpec> container_mounts;
  std::string hostname_file;      // bind-mounted onto /etc/hostname
  std::string hosts_file;         // onto /etc/hosts
  std::string resolv_conf_file;   // onto /etc/resolv.conf

  SecuritySpec security;
  // cgroup limits, resolved by spec/resources_builder (security.pids_limit
  // is the default pids.max; resources.pids_limit, when set, replaces it).
  cgroups::Limits resources;
  int64_t shm_size = 64 << 20;  // bytes of the /dev/shm tmpfs

  // Where the shim keeps things.
  std::string socket_path;
  std::string log_path;           // Docker json-file log
  logs::RotationPolicy log_rotation;  // --log-opt max-size / max-file
  std::string exit_path;          // exit.json
  std::string cgroup_parent = "berth";  // "" disables cgroups

  // Exec (docker exec): when join_pid is set, the shim runs args in the
  // namespaces of that running container init (host pid) instead of creating
  // a container, and puts it in the cgroup of container `join_container`
  // (which it neither creates nor removes). log_path is then "": exec output
  // goes only to attachers, as with Docker.
  int join_pid = 0;
  std::string join_container;

  RuncSettings runc;

  bool operator==(const ShimConfig&) const = default;
};

// JSON round trip. FromJson: InvalidArgument on malformed input or a version
// other than 1.
std::string ToJson(const ShimConfig& config);
absl::StatusOr<ShimConfig> FromJson(const std::string& json);

// The container's exit, as the shim records it in exit.json.
struct ExitRecord {
  int exit_code = 0;
  int64_t finished_unix_nano = 0;
  bool oom_killed = false;
};
std::string ExitToJson(const ExitRecord& exit);
absl::StatusOr<ExitRecord> ExitFromJson(const std::string& json);

}  // namespace berth::runtimed::spec
