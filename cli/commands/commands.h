// Entry points of the `berth` verbs. cli/main.cc parses the command line with
// CLI11 into these option structs and calls one function; each returns the
// process exit code (docker's codes: 0 ok, 1 error, 125 `run` failed, 126/127
// command not executable / not found, else the container's own exit code).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cli/commands/build_options.h"
#include "cli/run_config.h"

namespace berth::v1 {
class Resources;
}  // namespace berth::v1

namespace berth::cli {

struct GlobalOptions {
  std::string host;  // --host / BERTH_HOST
};

// run.cc: the resource flags' values as berth.v1.Resources (run, update).
void ResourcesToProto(const ResourcesSpec& resources, berth::v1::Resources* out);

// system.cc ------------------------------------------------------------------

// Client version, then the server's Version RPC.
int RunVersion(const GlobalOptions& global);

// The Info RPC, including each backing service's health (printed, not an
// error: a degraded daemon still answers).
int RunInfo(const GlobalOptions& global);
// `system df`: the disk usage summary (cli/disk_usage.h).
int RunSystemDf(const GlobalOptions& global);

// grpc.health.v1 Check against --host: 0 when SERVING, 1 otherwise. Works
// against any Berth gRPC socket, not only apid (the launcher waits for each
// service with it).
int RunHealth(const GlobalOptions& global, int timeout_ms);

// images.cc ------------------------------------------------------------------

struct ImportOptions {
  std::string source;     // a file path, or "-" for stdin
  std::string reference;  // "REPOSITORY[:TAG]" or "" (untagged)
  std::string message;    // -m
  std::vector<std::string> changes;  // -c
};
int RunImport(const GlobalOptions& global, const ImportOptions& options);

struct ImagesOptions {
  bool all = false;    // -a
  bool quiet = false;  // -q
  std::vector<std::string> filters;  // -f/--filter KEY=VALUE
};
int RunImages(const GlobalOptions& global, const ImagesOptions& options);

int RunRmi(const GlobalOptions& global, const std::vector<std::string>& images, bool force);

// `berth pull IMAGE`, `berth push IMAGE`: progress as plain lines.
int RunPull(const GlobalOptions& global, const std::string& image);
int RunPush(const GlobalOptions& global, const std::string& image);
int RunTag(const GlobalOptions& global, const std::string& source, const std::string& target);

// build.cc -------------------------------------------------------------------

// `berth build PATH`: the context directory through apid's BuildImage.
int RunBuild(const GlobalOptions& global, const BuildOptions& options);

// containers.cc --------------------------------------------------------------

struct PsOptions {
  bool all = false;       // -a
  bool quiet = false;     // -q
  bool no_trunc = false;  // --no-trunc
  std::vector<std::string> filters;  // -f/--filter KEY=VALUE
  int64_t last = -1;      // -n/--last N (includes stopped containers)
  bool latest = false;    // -l: the last one created
};
int RunPs(const GlobalOptions& global, const PsOptions& options);

struct LogsOptions {
  std::string container;
  bool follow = false;      // -f
  std::string tail = "all";  // --tail N|all
  bool timestamps = false;  // -t
};
int RunLogs(const GlobalOptions& global, const LogsOptions& options);

int RunStop(const GlobalOptions& global, const std::vector<std::string>& containers,
            int timeout_seconds);
int RunKill(const GlobalOptions& global, const std::vector<std::string>& containers,
            const std::string& signal);
// remove_volumes: rm -v, the containers' anonymous volumes go too.
int RunRm(const GlobalOptions& global, const std::vector<std::string>& containers, bool force,
          bool remove_volumes = false);
int RunStart(const GlobalOptions& global, const std::vector<std::string>& containers);
int RunInspect(const GlobalOptions& global, const std::vector<std::string>& objects);
int RunWait(const GlobalOptions& global, const std::vector<std::string>& containers);
// `berth port CONTAINER [PRIVATE_PORT[/PROTO]]`: the container's published
// ports as docker port prints them.
int RunPort(const GlobalOptions& global, const std::string& container,
            const std::string& private_port);

// events.cc ------------------------------------------------------------------

struct EventsOptions {
  std::string since;                 // --since (see ParseTimeArgument)
  std::string until;                 // --until
  std::vector<std::string> filters;  // --filter key=value
};
// Prints events as `docker events` does, one per line, until --until passes
// or the user interrupts.
int RunEvents(const GlobalOptions& global, const EventsOptions& options);

// exec.cc --------------------------------------------------------------------

struct ExecOptions {
  std::string container;
  std::vector<std::string> command;
  bool interactive = false;  // -i
  bool tty = false;          // -t
  bool detach = false;       // -d
  bool privileged = false;   // --privileged
  std::string user;          // -u
  std::string workdir;       // -w
  std::vector<std::string> env;  // -e K=V (or K: from the client's environment)
};
// `berth exec`: the process's exit code; 1 when the exec could not be
// created (e.g. the container is not running); 126/127 when its command
// could not be run.
int RunExec(const GlobalOptions& global, const ExecOptions& options);

// volumes.cc -----------------------------------------------------------------

struct VolumeCreateOptions {
  std::string name;                      // NAME or --name; "" lets the daemon pick one
  std::string driver;                    // -d, --driver ("local")
  std::vector<std::string> driver_opts;  // -o, --opt KEY=VALUE (refused by the daemon)
  std::vector<std::string> labels;       // --label KEY=VALUE
};
int RunVolumeCreate(const GlobalOptions& global, const VolumeCreateOptions& options);

struct VolumeLsOptions {
  bool quiet = false;                // -q
  std::vector<std::string> filters;  // -f, --filter name=|label=|dangling=|driver=
};
int RunVolumeLs(const GlobalOptions& global, const VolumeLsOptions& options);
int RunVolumeInspect(const GlobalOptions& global, const std::vector<std::string>& names);
int RunVolumeRm(const GlobalOptions& global, const std::vector<std::string>& names, bool force);
// Removes every unused volume (matching the label filters); no prompt.
int RunVolumePrune(const GlobalOptions& global, const std::vector<std::string>& filters);

// run.cc ---------------------------------------------------------------------

// `berth run`: create, attach and wait (unless -d), start, stream stdio, and
// exit with the container's exit code.
int RunRun(const GlobalOptions& global, const RunFlags& flags);

}  // namespace berth::cli
