// berth: the command line client of apid. CLI11 wiring only; each verb lives
// in cli/commands/.
#include <signal.h>

#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "cli/commands/commands.h"
#include "cli/commands/client.h"
#include "cli/commands/container_ops.h"
#include "cli/commands/networks.h"
#include "cli/commands/image_store.h"
#include "cli/commands/files.h"
#include "common/version/build_info.h"

namespace {

using berth::cli::GlobalOptions;

// The verb chosen on the command line, bound to its parsed options.
using Action = std::function<int()>;

// Options of every verb; they live for the whole of main().
struct AllOptions {
  berth::cli::ImportOptions import;
  berth::cli::ImagesOptions images;
  std::vector<std::string> names;  // the IMAGE.../CONTAINER... list of a verb
  bool remove_volumes = false;     // rm -v
  berth::cli::VolumeCreateOptions volume_create;
  berth::cli::VolumeLsOptions volume_ls;
  std::vector<std::string> filters;  // volume prune --filter
  bool force = false;
  berth::cli::PsOptions ps;
  berth::cli::LogsOptions logs;
  std::string port_container;  // port CONTAINER
  std::string port_private;    // port [PRIVATE_PORT[/PROTO]]
  berth::cli::EventsOptions events;
  int stop_timeout = -1;
  std::string kill_signal = "KILL";
  int health_timeout_ms = 2000;
  berth::cli::RunFlags run;
  berth::cli::ExecOptions exec;
  std::string entrypoint;  // set in `run` only when given (it may be "")
  berth::cli::BuildOptions build;
};

void AddSystemCommands(CLI::App& app, const GlobalOptions& global, AllOptions& o,
                       Action& action) {
  app.add_subcommand("version", "Show the Berth version information")->callback([&] {
    action = [&] { return berth::cli::RunVersion(global); };
  });
  app.add_subcommand("info", "Display system-wide information")->callback([&] {
    action = [&] { return berth::cli::RunInfo(global); };
  });
  auto* system = app.add_subcommand("system", "Manage Berth");
  system->require_subcommand(1);
  system->add_subcommand("df", "Show disk usage")->callback([&] {
    action = [&] { return berth::cli::RunSystemDf(global); };
  });
  auto* events = app.add_subcommand("events", "Get real time events from the server");
  events->add_option("--since", o.events.since, "Show all events created since timestamp");
  events->add_option("--until", o.events.until, "Stream events until this timestamp");
  events->add_option("-f,--filter", o.events.filters, "Filter output based on conditions provided");
  events->callback([&] { action = [&] { return berth::cli::RunEvents(global, o.events); }; });
  auto* health = app.add_subcommand(
      "health", "Check a Berth gRPC endpoint's health (exit 0 when serving)");
  health->add_option("--timeout-ms", o.health_timeout_ms, "How long to wait for the answer")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  health->callback([&] {
    action = [&] { return berth::cli::RunHealth(global, o.health_timeout_ms); };
  });
}

void AddImageCommands(CLI::App& app, const GlobalOptions& global, AllOptions& o,
                      Action& action) {
  auto* import = app.add_subcommand(
      "import", "Import the contents from a tarball to create a filesystem image");
  import->add_option("file", o.import.source, "Tarball path, or - for stdin")->required();
  import->add_option("reference", o.import.reference, "REPOSITORY[:TAG]");
  import->add_option("-m,--message", o.import.message, "Commit message for the imported image");
  import->add_option("-c,--change", o.import.changes, "Apply a Dockerfile instruction")
      ->allow_extra_args(false);
  import->callback([&] { action = [&] { return berth::cli::RunImport(global, o.import); }; });

  auto* images = app.add_subcommand("images", "List images");
  images->add_flag("-a,--all", o.images.all, "Show all images");
  images->add_flag("-q,--quiet", o.images.quiet, "Only show image IDs");
  images->add_option("-f,--filter", o.images.filters, "Filter output based on conditions provided");
  images->callback([&] { action = [&] { return berth::cli::RunImages(global, o.images); }; });

  auto* rmi = app.add_subcommand("rmi", "Remove one or more images");
  rmi->add_option("image", o.names, "IMAGE...")->required();
  rmi->add_flag("-f,--force", o.force, "Force removal of the image");
  rmi->callback([&] { action = [&] { return berth::cli::RunRmi(global, o.names, o.force); }; });

  auto* pull = app.add_subcommand("pull", "Download an image from a registry");
  pull->add_option("image", o.names, "NAME[:TAG|@DIGEST]")->required()->expected(1);
  pull->callback([&] { action = [&] { return berth::cli::RunPull(global, o.names.front()); }; });
  auto* push = app.add_subcommand("push", "Upload an image to a registry");
  push->add_option("image", o.names, "NAME[:TAG]")->required()->expected(1);
  push->callback([&] { action = [&] { return berth::cli::RunPush(global, o.names.front()); }; });
  auto* tag = app.add_subcommand("tag", "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE");
  tag->add_option("images", o.names, "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]")
      ->required()
      ->expected(2);
  tag->callback([&] {
    action = [&] { return berth::cli::RunTag(global, o.names[0], o.names[1]); };
  });
}

void AddBuildCommand(CLI::App& app, const GlobalOptions& global, AllOptions& o,
                     Action& action) {
  auto* build = app.add_subcommand("build", "Build an image from a Dockerfile");
  build->add_option("path", o.build.context, "The build context directory")->required();
  build->add_option("-f,--file", o.build.file, "Name of the Dockerfile (- for stdin)");
  build->add_option("-t,--tag", o.build.tags, "Name and optionally a tag (name:tag)")
      ->allow_extra_args(false);
  build->add_option("--build-arg", o.build.build_args, "Set build-time variables")
      ->allow_extra_args(false);
  build->add_option("--label", o.build.labels, "Set metadata for an image")
      ->allow_extra_args(false);
  build->add_option("--target", o.build.target, "Set the target build stage to build");
  build->add_flag("--no-cache", o.build.no_cache, "Do not use cache when building the image");
  build->add_flag("-q,--quiet", o.build.quiet, "Suppress the build output and print image ID");
  build->add_flag("--pull", o.build.pull, "Always attempt to pull a newer version of the image");
  build->add_option("--network", o.build.network, "Networking mode for the RUN instructions");
  build->add_option("--iidfile", o.build.iidfile, "Write the image ID to the file");
  build->add_flag("--rm,!--no-rm", o.build.rm,
                  "Remove intermediate containers after a successful build");
  build->callback([&] { action = [&] { return berth::cli::RunBuild(global, o.build); }; });
}

void AddContainerCommands(CLI::App& app, const GlobalOptions& global, AllOptions& o,
                          Action& action) {
  auto* ps = app.add_subcommand("ps", "List containers");
  ps->add_flag("-a,--all", o.ps.all, "Show all containers (default shows just running)");
  ps->add_flag("-q,--quiet", o.ps.quiet, "Only display container IDs");
  ps->add_flag("--no-trunc", o.ps.no_trunc, "Don't truncate output");
  ps->add_option("-f,--filter", o.ps.filters, "Filter output based on conditions provided");
  ps->add_option("-n,--last", o.ps.last,
                 "Show n last created containers (includes all states)");
  ps->add_flag("-l,--latest", o.ps.latest,
               "Show the latest created container (includes all states)");
  ps->callback([&] { action = [&] { return berth::cli::RunPs(global, o.ps); }; });

  auto* logs = app.add_subcommand("logs", "Fetch the logs of a container");
  logs->add_option("container", o.logs.container, "CONTAINER")->required();
  logs->add_flag("-f,--follow", o.logs.follow, "Follow log output");
  logs->add_option("-n,--tail", o.logs.tail, "Number of lines to show from the end of the logs")
      ->capture_default_str();
  logs->add_flag("-t,--timestamps", o.logs.timestamps, "Show timestamps");
  logs->callback([&] { action = [&] { return berth::cli::RunLogs(global, o.logs); }; });

  auto* stop = app.add_subcommand("stop", "Stop one or more running containers");
  stop->add_option("container", o.names, "CONTAINER...")->required();
  stop->add_option("-t,--time", o.stop_timeout, "Seconds to wait before killing the container");
  stop->callback([&] {
    action = [&] { return berth::cli::RunStop(global, o.names, o.stop_timeout); };
  });

  auto* kill = app.add_subcommand("kill", "Kill one or more running containers");
  kill->add_option("container", o.names, "CONTAINER...")->required();
  kill->add_option("-s,--signal", o.kill_signal, "Signal to send to the container")
      ->capture_default_str();
  kill->callback([&] {
    action = [&] { return berth::cli::RunKill(global, o.names, o.kill_signal); };
  });

  auto* rm = app.add_subcommand("rm", "Remove one or more containers");
  rm->add_option("container", o.names, "CONTAINER...")->required();
  rm->add_flag("-f,--force", o.force, "Force the removal of a running container (uses SIGKILL)");
  rm->add_flag("-v,--volumes", o.remove_volumes,
               "Remove anonymous volumes associated with the container");
  rm->callback([&] {
    action = [&] { return berth::cli::RunRm(global, o.names, o.force, o.remove_volumes); };
  });

  auto* start = app.add_subcommand("start", "Start one or more stopped containers");
  start->add_option("container", o.names, "CONTAINER...")->required();
  start->callback([&] { action = [&] { return berth::cli::RunStart(global, o.names); }; });

  auto* inspect = app.add_subcommand("inspect", "Return low-level information on Berth objects");
  inspect->add_option("object", o.names, "CONTAINER|IMAGE...")->required();
  inspect->callback([&] { action = [&] { return berth::cli::RunInspect(global, o.names); }; });

  auto* wait = app.add_subcommand(
      "wait", "Block until one or more containers stop, then print their exit codes");
  wait->add_option("container", o.names, "CONTAINER...")->required();
  wait->callback([&] { action = [&] { return berth::cli::RunWait(global, o.names); }; });

  auto* port = app.add_subcommand("port", "List port mappings or a specific mapping for the container");
  port->add_option("container", o.port_container, "CONTAINER")->required();
  port->add_option("private_port", o.port_private, "PRIVATE_PORT[/PROTO]");
  port->callback([&] {
    action = [&] { return berth::cli::RunPort(global, o.port_container, o.port_private); };
  });
}

// docker run's resource flags; values are parsed in cli/resource_flags.cc.
void AddResourceFlags(CLI::App* run, berth::cli::ResourceFlags& r) {
  run->add_option("-m,--memory", r.memory, "Memory limit");
  run->add_option("--memory-swap", r.memory_swap,
                  "Swap limit equal to memory plus swap: '-1' to enable unlimited swap");
  run->add_option("--memory-reservation", r.memory_reservation, "Memory soft limit");
  run->add_option("--kernel-memory", r.kernel_memory, "Kernel memory limit (not supported)");
  run->add_option("--cpus", r.cpus, "Number of CPUs");
  run->add_option("-c,--cpu-shares", r.cpu_shares, "CPU shares (relative weight)");
  run->add_option("--cpu-period", r.cpu_period, "Limit CPU CFS (Completely Fair Scheduler) period");
  run->add_option("--cpu-quota", r.cpu_quota, "Limit CPU CFS (Completely Fair Scheduler) quota");
  run->add_option("--cpuset-cpus", r.cpuset_cpus, "CPUs in which to allow execution (0-3, 0,1)");
  run->add_option("--cpuset-mems", r.cpuset_mems, "MEMs in which to allow execution (0-3, 0,1)");
  run->add_option("--pids-limit", r.pids_limit, "Tune container pids limit (set -1 for unlimited)");
  run->add_option("--blkio-weight", r.blkio_weight,
                  "Block IO (relative weight), between 10 and 1000, or 0 to disable");
  run->add_flag("--oom-kill-disable", r.oom_kill_disable, "Disable OOM Killer");
  run->add_option("--shm-size", r.shm_size, "Size of /dev/shm");
}

// `berth volume ...`: the verbs live in commands/volumes.cc.
void AddVolumeCommands(CLI::App& app, const GlobalOptions& global, AllOptions& o,
                       Action& action) {
  auto* volume = app.add_subcommand("volume", "Manage volumes");
  volume->require_subcommand(1);
  auto* create = volume->add_subcommand("create", "Create a volume");
  auto& c = o.volume_create;
  create->add_option("name", c.name, "VOLUME");
  create->add_option("--name", c.name, "Specify volume name");
  create->add_option("-d,--driver", c.driver, "Specify volume driver name")
      ->default_str("local");
  create->add_option("-o,--opt", c.driver_opts, "Set driver specific options")
      ->allow_extra_args(false);
  create->add_option("--label", c.labels, "Set metadata for a volume")->allow_extra_args(false);
  create->callback([&] { action = [&] { return berth::cli::RunVolumeCreate(global, c); }; });

  auto* ls = volume->add_subcommand("ls", "List volumes");
  ls->alias("list");
  ls->add_flag("-q,--quiet", o.volume_ls.quiet, "Only display volume names");
  ls->add_option("-f,--filter", o.volume_ls.filters, "Provide filter values (e.g. 'dangling=true')")
      ->allow_extra_args(false);
  ls->callback([&] { action = [&] { return berth::cli::RunVolumeLs(global, o.volume_ls); }; });

  auto* inspect = volume->add_subcommand("inspect", "Display detailed information on volumes");
  inspect->add_option("volume", o.names, "VOLUME...")->required();
  inspect->callback(
      [&] { action = [&] { return berth::cli::RunVolumeInspect(global, o.names); }; });

  auto* rm = volume->add_subcommand("rm", "Remove one or more volumes");
  rm->alias("remove");
  rm->add_option("volume", o.names, "VOLUME...")->required();
  rm->add_flag("-f,--force", o.force, "Force the removal of one or more volumes");
  rm->callback([&] { action = [&] { return berth::cli::RunVolumeRm(global, o.names, o.force); }; });

  auto* prune = volume->add_subcommand("prune", "Remove all unused local volumes");
  prune->add_flag("-f,--force", o.force, "Do not prompt for confirmation");
  prune->add_option("--filter", o.filters, "Provide filter values (e.g. 'label=<label>')")
      ->allow_extra_args(false);
  prune->callback(
      [&] { action = [&] { return berth::cli::RunVolumePrune(global, o.filters); }; });
}

void AddRunCommand(CLI::App& app, const GlobalOptions& global, AllOptions& o, Action& action) {
  auto* run = app.add_subcommand("run", "Run a command in a new container");
  run->footer("\nUsage: berth run [OPTIONS] IMAGE [COMMAND] [ARG...]");
  // docker's -h is --hostname; help stays reachable as --help.
  run->set_help_flag("--help", "Print this help message and exit");
  // Everything from IMAGE on is the container's command line, flags included
  // (`berth run busybox sh -c 'exit 3'`): stop parsing at the first positional.
  run->prefix_command();
  berth::cli::RunFlags& f = o.run;
  run->add_flag("--rm", f.remove, "Automatically remove the container when it exits");
  run->add_flag("-d,--detach", f.detach, "Run container in background and print container ID");
  run->add_flag("-i,--interactive", f.interactive, "Keep STDIN open even if not attached");
  run->add_flag("-t,--tty", f.tty, "Allocate a pseudo-TTY");
  // One value per occurrence, or "-e A=1 busybox" would swallow the image.
  run->add_option("-e,--env", f.env, "Set environment variables")->allow_extra_args(false);
  run->add_option("-p,--publish", f.publish, "Publish a container's port(s) to the host")
      ->allow_extra_args(false);
  run->add_option("--name", f.name, "Assign a name to the container");
  run->add_option("-h,--hostname", f.hostname, "Container host name");
  run->add_option("--network,--net", f.network,
                  "Connect a container to a network (bridge|none|host|container:NAME|NAME)");
  run->add_option("--network-alias", f.network_aliases, "Add network-scoped alias for the container")
      ->allow_extra_args(false);
  run->add_option("--ip", f.ip, "IPv4 address (e.g., 172.30.100.104)");
  run->add_flag("-P,--publish-all", f.publish_all,
                "Publish all exposed ports to random ports");
  run->add_option("--expose", f.expose, "Expose a port or a range of ports")
      ->allow_extra_args(false);
  run->add_option("--dns", f.dns, "Set custom DNS servers")->allow_extra_args(false);
  run->add_option("--dns-search", f.dns_search, "Set custom DNS search domains")
      ->allow_extra_args(false);
  run->add_option("--dns-option", f.dns_option, "Set DNS options")->allow_extra_args(false);
  run->add_option("--add-host", f.add_host, "Add a custom host-to-IP mapping (host:ip)")
      ->allow_extra_args(false);
  run->add_option("--mac-address", f.mac_address, "Container MAC address (e.g., 92:d0:c6:0a:29:33)");
  run->add_option("--link", f.link, "Add link to another container")->allow_extra_args(false);
  run->add_option("-w,--workdir", f.workdir, "Working directory inside the container");
  run->add_option("-u,--user", f.user, "Username or UID (format: <name|uid>[:<group|gid>])");
  run->add_option("--cap-add", f.cap_add, "Add Linux capabilities")->allow_extra_args(false);
  run->add_option("--cap-drop", f.cap_drop, "Drop Linux capabilities")->allow_extra_args(false);
  run->add_flag("--privileged", f.privileged, "Give extended privileges to this container");
  run->add_flag("--read-only", f.read_only, "Mount the container's root filesystem as read only");
  run->add_option("--security-opt", f.security_opt,
                  "Security options (no-new-privileges, seccomp=unconfined|PROFILE.json)")
      ->allow_extra_args(false);
  run->add_option("--ulimit", f.ulimit, "Ulimit options (NAME=SOFT[:HARD])")
      ->allow_extra_args(false);
  AddResourceFlags(run, f.resources);
  run->add_option("--restart", f.restart,
                  "Restart policy to apply when a container exits (no, always, unless-stopped, "
                  "on-failure[:max-retries])");
  run->add_option("--health-cmd", f.health_cmd, "Command to run to check health");
  run->add_option("--health-interval", f.health_interval,
                  "Time between running the check (ms|s|m|h)");
  run->add_option("--health-timeout", f.health_timeout,
                  "Maximum time to allow one check to run (ms|s|m|h)");
  run->add_option("--health-start-period", f.health_start_period,
                  "Start period for the container to initialize before counting retries");
  run->add_option("--health-retries", f.health_retries,
                  "Consecutive failures needed to report unhealthy");
  run->add_flag("--no-healthcheck", f.no_healthcheck, "Disable any container-specified HEALTHCHECK");
  run->add_option("-v,--volume", f.storage.volume, "Bind mount a volume")
      ->allow_extra_args(false);
  run->add_option("--mount", f.storage.mount, "Attach a filesystem mount to the container")
      ->allow_extra_args(false);
  run->add_option("--tmpfs", f.storage.tmpfs, "Mount a tmpfs directory")->allow_extra_args(false);
  run->add_option("--volumes-from", f.storage.volumes_from,
                  "Mount volumes from the specified container(s)")
      ->allow_extra_args(false);
  run->add_option("--log-driver", f.log_driver, "Logging driver for the container (json-file)");
  run->add_option("--log-opt", f.log_opts, "Log driver options (max-size=10m, max-file=3)")
      ->allow_extra_args(false);
  run->add_option("-l,--label", f.labels, "Set meta data on a container")->allow_extra_args(false);
  run->add_flag("--init", f.init,
                "Run an init inside the container that forwards signals and reaps processes");
  run->add_option("--group-add", f.group_add, "Add additional groups to join")
      ->allow_extra_args(false);
  run->add_option("--runtime", f.runtime, "Runtime to use for this container (berth, runc)");
  auto* entrypoint = run->add_option("--entrypoint", o.entrypoint,
                                     "Overwrite the default ENTRYPOINT of the image");
  run->callback([&, run, entrypoint] {
    if (entrypoint->count() > 0) {
      f.entrypoint = o.entrypoint;
    }
    std::vector<std::string> rest = run->remaining();
    if (!rest.empty() && rest.front() == "--") {
      rest.erase(rest.begin());
    }
    if (rest.empty()) {
      throw CLI::ValidationError("\"berth run\" requires at least 1 argument: IMAGE");
    }
    if (rest.front().size() > 1 && rest.front()[0] == '-') {
      throw CLI::ValidationError("unknown flag: " + rest.front());
    }
    f.image = rest.front();
    f.command.assign(rest.begin() + 1, rest.end());
    action = [&] { return berth::cli::RunRun(global, f); };
  });
}

void AddExecCommand(CLI::App& app, const GlobalOptions& global, AllOptions& o, Action& action) {
  auto* exec = app.add_subcommand("exec", "Execute a command in a running container");
  exec->footer("\nUsage: berth exec [OPTIONS] CONTAINER COMMAND [ARG...]");
  // As with run: everything from CONTAINER on is positional, so the
  // command's own flags (`exec c ls -l`) are not berth's.
  exec->prefix_command();
  berth::cli::ExecOptions& e = o.exec;
  exec->add_flag("-i,--interactive", e.interactive, "Keep STDIN open even if not attached");
  exec->add_flag("-t,--tty", e.tty, "Allocate a pseudo-TTY");
  exec->add_flag("-d,--detach", e.detach, "Detached mode: run command in the background");
  exec->add_flag("--privileged", e.privileged, "Give extended privileges to the command");
  exec->add_option("-u,--user", e.user, "Username or UID (format: <name|uid>[:<group|gid>])");
  exec->add_option("-w,--workdir", e.workdir, "Working directory inside the container");
  exec->add_option("-e,--env", e.env, "Set environment variables")->allow_extra_args(false);
  exec->callback([&, exec] {
    std::vector<std::string> rest = exec->remaining();
    if (!rest.empty() && rest.front() == "--") rest.erase(rest.begin());
    if (rest.size() < 2) {
      throw CLI::ValidationError("\"berth exec\" requires at least 2 arguments");
    }
    if (rest.front().size() > 1 && rest.front()[0] == '-') {
      throw CLI::ValidationError("unknown flag: " + rest.front());
    }
    e.container = rest.front();
    e.command.assign(rest.begin() + 1, rest.end());
    action = [&] { return berth::cli::RunExec(global, e); };
  });
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"A self-sufficient runtime for containers", "berth"};
  app.set_version_flag("-v,--version",
                       std::string("Berth version ") + berth::BuildVersion() + ", build " +
                           berth::BuildCommit());
  GlobalOptions global;
  global.host = "unix:///run/berth/api.sock";
  app.add_option("-H,--host", global.host, "Daemon socket to connect to")
      ->envname("BERTH_HOST")
      ->capture_default_str();

  Action action;
  AllOptions options;
  AddSystemCommands(app, global, options, action);
  AddImageCommands(app, global, options, action);
  AddBuildCommand(app, global, options, action);
  AddContainerCommands(app, global, options, action);
  AddRunCommand(app, global, options, action);
  AddExecCommand(app, global, options, action);
  AddVolumeCommands(app, global, options, action);
  berth::cli::AddNetworkCommands(app, global, action);
  berth::cli::AddImageStoreCommands(app, global, action);
  berth::cli::AddFileCommands(app, global, action);
  berth::cli::AddContainerOpsCommands(app, global, action);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    // Usage errors exit 125 like the docker CLI's flag errors; --help and
    // --version are not errors.
    return code == 0 ? 0 : berth::cli::kExitUsage;
  }
  if (!action) {
    std::cout << app.help();
    return 0;
  }
  // A closed stdout (`berth logs x | head`) must be an EPIPE the commands
  // handle, not a silent death.
  signal(SIGPIPE, SIG_IGN);
  return action();
}
