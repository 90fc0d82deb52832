// docker exec → the exec shim's config (pure, unit-tested). The exec's
// config is the container's own config.json (the one its main process was
// started with) with the process replaced, so namespaces, cgroup, rlimits,
// capabilities, seccomp program and no_new_privs are the main process's by
// construction rather than rebuilt from the record.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "berth/v1/exec.pb.h"
#include "services/runtimed/spec/security_builder.h"
#include "services/runtimed/spec/shim_config.h"

namespace berth::runtimed::spec {

// Docker's checks on an exec config: InvalidArgument "No exec command
// specified" without cmd, "the working directory '<d>' is invalid, it needs
// to be an absolute path" for a relative working_dir, and an env entry
// without a name.
absl::Status ValidateExecConfig(const v1::ExecConfig& exec);

// The container env with the exec's entries added; an exec entry replaces
// the container's entry of the same name (Docker's merge).
std::vector<std::string> MergeEnv(const std::vector<std::string>& container,
                                  const std::vector<std::string>& exec);

// Where the exec shim keeps its socket and exit record.
struct ExecShimFiles {
  std::string socket_path;
  std::string exit_path;
};

// The exec shim config: `container` (its config.json) with the process of
// `exec`, joining `init_pid` (the container's init, host pid) and the
// container's cgroup. `privileged` grants every capability in
// host.capability_mask; the seccomp program stays the container's (as in
// Docker, --privileged on exec changes capabilities only). No log.
ShimConfig BuildExecShimConfig(const ShimConfig& container, const std::string& container_id,
                               const std::string& exec_id, const v1::ExecConfig& exec,
                               int init_pid, const ExecShimFiles& files, const HostFacts& host);

}  // namespace berth::runtimed::spec
