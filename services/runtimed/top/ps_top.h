// docker top, the way dockerd does it: run the host's `ps` with the user's
// arguments (plus -q<pids> when ps accepts it), then keep the rows whose PID
// is one of the container's processes. The parsing and checks are pure; only
// RunCommand spawns.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace berth::runtimed {

// ps's header and the rows of the container's processes, one field per title
// (extra fields are joined into the last one, which may hold spaces: CMD).
struct TopResult {
  std::vector<std::string> titles;
  std::vector<std::vector<std::string>> processes;
};

namespace top {

// dockerd's rule: ps_args may not rename another column to PID ("-o
// user=PID" would make the filter read users as pids). InvalidArgument
// `specifying "user=PID" is not allowed`.
absl::Status ValidatePsArgs(const std::string& ps_args);

// The ps argv: "ps", the user's arguments ("-ef" when empty), split on
// spaces as dockerd does, and `pids_arg` last when not empty.
std::vector<std::string> PsArgv(const std::string& ps_args, const std::string& pids_arg);

// "-q1,2,3": ps's quick pid selection (some formats, such as `f`, refuse
// it; the caller then runs ps without it).
std::string PsPidsArg(const std::vector<pid_t>& pids);

// ps output → titles and the rows of `pids`. A row whose PID is "-" (a
// thread line of `-L`/`m`) is kept when the process row before it was.
// InvalidArgument "Couldn't find PID field in ps output" without a PID
// column; "Unexpected pid 'x'" for a PID that is not a number.
absl::StatusOr<TopResult> ParsePsOutput(const std::string& output,
                                        const std::vector<pid_t>& pids);

struct CommandOutput {
  int exit_code = 0;  // 128 + signal for a signal death
  std::string out;
  std::string err;
};

// Runs argv[0] (looked up in PATH) with stdin from /dev/null and collects
// its output (each stream up to 16 MiB). posix_spawn, so it is safe from a
// multithreaded daemon. DeadlineExceeded (after SIGKILL) past `timeout`.
absl::StatusOr<CommandOutput> RunCommand(const std::vector<std::string>& argv,
                                         absl::Duration timeout);

}  // namespace top
}  // namespace berth::runtimed
