// Entry points of the `berth` verbs. cli/main.cc parses the command line with
// CLI11 into these option structs and calls one function; each returns the
// process exit code (docker's codes: 0 ok, 1 error, 125 `run` failed, 126/127
// command not executable / not found, else the container's own exit code).
#pragma once

#include <string>
#include <vector>

#include "cli/commands/build_options.h"
#include "cli/run_config.h"

namespace berth::cli {

struct GlobalOptions {
  std::string host;  // --host / BERTH_HOST
};

// system.cc ------------------------------------------------------------------

// Client version, then the server's Version RPC.
int RunVersion(const GlobalOptions& global);

// The Info RPC, including each backing service's health (printed, not an
// error: a degraded daemon still answers).
int RunInfo(const GlobalOptions& global);

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
int RunRm(const GlobalOptions& global, const std::vector<std::string>& containers, bool force);
int RunStart(const GlobalOptions& global, const std::vector<std::string>& containers);
int RunInspect(const GlobalOptions& global, const std::vector<std::string>& objects);
int RunWait(const GlobalOptions& global, const std::vector<std::string>& containers);

// run.cc ---------------------------------------------------------------------

// `berth run`: create, attach and wait (unless -d), start, stream stdio, and
// exit with the container's exit code.
int RunRun(const GlobalOptions& global, const RunFlags& flags);

}  // namespace berth::cli
