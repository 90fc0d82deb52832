// `berth run` flags → what to ask the daemon for. Pure: the gRPC layer
// (cli/commands/run.cc) converts the resulting ContainerSpec into a
// berth.v1.ContainerConfig, so the docker-compatible flag semantics are
// unit-tested without a server.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "cli/format.h"
#include "cli/mount_flags.h"
#include "cli/resource_flags.h"

namespace berth::cli {

// The flags of `berth run`, as CLI11 parsed them.
struct RunFlags {
  bool remove = false;       // --rm
  bool detach = false;       // -d
  bool interactive = false;  // -i
  bool tty = false;          // -t
  std::vector<std::string> env;      // -e, in order
  std::vector<std::string> publish;  // -p, in order
  std::string name;                  // --name
  std::string hostname;              // --hostname
  std::string network;               // --network ("" = the default, bridge)
  std::vector<std::string> network_aliases;  // --network-alias
  std::string ip;                            // --ip
  bool publish_all = false;                  // -P
  std::vector<std::string> expose;           // --expose PORT[/PROTO]
  std::vector<std::string> dns;              // --dns
  std::vector<std::string> dns_search;       // --dns-search
  std::vector<std::string> dns_option;       // --dns-option
  std::vector<std::string> add_host;         // --add-host name:ip
  std::string mac_address;                   // --mac-address
  std::vector<std::string> link;             // --link name[:alias]
  std::string workdir;               // -w
  std::optional<std::string> entrypoint;  // --entrypoint (set, possibly to "")
  std::string user;                  // -u
  std::vector<std::string> cap_add;       // --cap-add
  std::vector<std::string> cap_drop;      // --cap-drop
  bool privileged = false;                // --privileged
  bool read_only = false;                 // --read-only
  std::vector<std::string> security_opt;  // --security-opt
  std::vector<std::string> ulimit;        // --ulimit NAME=SOFT[:HARD]
  ResourceFlags resources;                // --memory, --cpus, ... (resource_flags.h)
  StorageFlags storage;                   // -v, --mount, --tmpfs, --volumes-from
  std::string log_driver;                 // --log-driver
  std::vector<std::string> log_opts;      // --log-opt KEY=VALUE
  std::string restart;                    // --restart no|always|unless-stopped|on-failure[:N]
  // --health-cmd, --health-interval/-timeout/-start-period (Go durations:
  // "500ms", "1m30s"), --health-retries, --no-healthcheck.
  std::string health_cmd;
  std::string health_interval;
  std::string health_timeout;
  std::string health_start_period;
  int health_retries = 0;
  bool no_healthcheck = false;
  std::vector<std::string> labels;        // -l/--label KEY[=VALUE]
  bool init = false;                      // --init
  std::vector<std::string> group_add;     // --group-add NAME|GID
  std::string runtime;                    // --runtime (berth, runc)
  std::string image;                 // IMAGE
  std::vector<std::string> command;  // CMD...
};

// Rows × columns of a terminal.
struct ConsoleSize {
  uint32_t height = 0;
  uint32_t width = 0;
};

struct UlimitSpec {
  std::string name;
  int64_t soft = 0;
  int64_t hard = 0;
};

// Mirrors berth.v1.SecurityOptions.
struct SecuritySpec {
  std::vector<std::string> cap_add;
  std::vector<std::string> cap_drop;
  bool privileged = false;
  bool no_new_privileges = false;
  std::string seccomp_profile;  // "", "unconfined" or the profile's JSON content
  bool read_only_rootfs = false;
  std::vector<UlimitSpec> ulimits;
};

// Mirrors berth.v1.ContainerNetworkOptions.
struct NetworkOptionsSpec {
  bool publish_all_ports = false;
  std::vector<std::string> dns;
  std::vector<std::string> dns_search;
  std::vector<std::string> dns_options;
  std::vector<std::string> extra_hosts;
  std::vector<std::string> links;
  std::string mac_address;
};

// Mirrors berth.v1.ContainerConfig field for field (only what `run` sets).
struct ContainerSpec {
  std::string image;
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::vector<std::string> env;
  std::string working_dir;
  std::string user;
  std::string hostname;
  bool tty = false;
  bool open_stdin = false;
  bool stdin_once = false;
  bool attach_stdin = false;
  bool attach_stdout = false;
  bool attach_stderr = false;
  bool auto_remove = false;
  std::string network_mode;
  std::vector<std::string> network_aliases;  // on network_mode
  std::string ipv4_address;                  // on network_mode
  std::vector<PortMapping> port_bindings;
  std::vector<std::string> exposed_ports;  // "80/tcp", sorted, unique
  NetworkOptionsSpec network_options;
  uint32_t console_height = 0;
  uint32_t console_width = 0;
  SecuritySpec security;
  ResourcesSpec resources;
  StorageSpec storage;
  std::string log_driver;                        // "" = the daemon's (json-file)
  std::map<std::string, std::string> log_options;  // the daemon validates them
  std::string restart_policy;       // "" = none given (the daemon's "no")
  int32_t restart_max_retries = 0;  // on-failure:N
  // Config.Healthcheck; has_healthcheck false leaves the image's.
  bool has_healthcheck = false;
  std::vector<std::string> health_test;  // ["CMD-SHELL", cmd], ["NONE"] or [] (image's)
  int64_t health_interval_ns = 0;
  int64_t health_timeout_ns = 0;
  int64_t health_start_period_ns = 0;
  int32_t health_retries = 0;
  std::vector<std::pair<std::string, std::string>> labels;  // in order; a later key wins
  bool init = false;
  std::vector<std::string> group_add;
  std::string runtime;
};

// How the client drives the container after creating it.
struct RunPlan {
  std::string name;     // "" lets the daemon pick one
  ContainerSpec spec;
  // Attach to the container's stdio and wait for its exit (not -d).
  bool attach = false;
  // Wait until the record is removed (--rm without -d) rather than the next
  // exit, so `run --rm` returns only when the container is gone.
  bool wait_for_removal = false;
};

// Looks up a variable of the client's environment (for bare `-e NAME`).
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
// Reads a client-side file (`--security-opt seccomp=FILE`).
using FileReader = std::function<absl::StatusOr<std::string>(const std::string&)>;

// The docker CLI's --security-opt and --ulimit rules: "no-new-privileges[=|:bool]",
// "seccomp=unconfined|FILE" (the file is read here and its content sent, as
// the docker CLI does), "NAME=SOFT[:HARD]" (-1 = unlimited). InvalidArgument
// naming the bad value.
absl::StatusOr<SecuritySpec> BuildSecuritySpec(const RunFlags& flags, const FileReader& read_file);

// --restart NAME[:N] as the docker CLI splits it (the daemon validates the
// name); "" leaves *name alone. Shared by run and update.
absl::Status ParseRestartFlag(const std::string& flag, std::string* name, int32_t* max_retries);

// Maps the flags to a plan, with docker's rules:
//   - without -d: attach stdout and stderr; with -i also stdin, and the
//     container's stdin closes when the client's does (StdinOnce);
//   - -i sets OpenStdin (also with -d); -t sets Tty and, when `console` is
//     known, the initial console size;
//   - --rm sets AutoRemove (the daemon removes the container after it exits);
//   - each -p adds port bindings and the matching exposed port;
//   - --entrypoint "" is sent as [""], which resets the image's entrypoint.
//   - --restart NAME[:N] as the docker CLI parses it (the daemon validates
//     the name), refused together with --rm;
//   - --health-* make a healthcheck (CMD-SHELL), --no-healthcheck ["NONE"];
//     both together, or a negative value, are refused with the CLI's texts.
// InvalidArgument for a bad -p, -e or --restart value or a missing image.
absl::StatusOr<RunPlan> BuildRunPlan(const RunFlags& flags,
                                     const std::optional<ConsoleSize>& console,
                                     const EnvLookup& lookup,
                                     const FileReader& read_file = nullptr);

}  // namespace berth::cli
