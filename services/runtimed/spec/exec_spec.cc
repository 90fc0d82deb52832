#include "services/runtimed/spec/exec_spec.h"

#include "absl/strings/str_cat.h"
#include "services/runtimed/spec/capabilities.h"

namespace berth::runtimed::spec {
namespace {

std::string EnvName(const std::string& entry) { return entry.substr(0, entry.find('=')); }

}  // namespace

absl::Status ValidateExecConfig(const v1::ExecConfig& exec) {
  if (exec.cmd().empty() || exec.cmd(0).empty()) {
    return absl::InvalidArgumentError("No exec command specified");
  }
  const std::string& dir = exec.working_dir();
  if (!dir.empty() && dir[0] != '/') {
    return absl::InvalidArgumentError(absl::StrCat(
        "the working directory '", dir, "' is invalid, it needs to be an absolute path"));
  }
  for (const auto& e : exec.env()) {
    if (EnvName(e).empty()) {
      return absl::InvalidArgumentError(absl::StrCat("invalid environment variable: ", e));
    }
  }
  return absl::OkStatus();
}

std::vector<std::string> MergeEnv(const std::vector<std::string>& container,
                                  const std::vector<std::string>& exec) {
  std::vector<std::string> env = container;
  for (const auto& e : exec) {
    bool replaced = false;
    for (auto& existing : env) {
      if (EnvName(existing) == EnvName(e)) {
        existing = e;
        replaced = true;
        break;
      }
    }
    if (!replaced) env.push_back(e);
  }
  return env;
}

ShimConfig BuildExecShimConfig(const ShimConfig& container, const std::string& container_id,
                               const std::string& exec_id, const v1::ExecConfig& exec,
                               int init_pid, const ExecShimFiles& files, const HostFacts& host) {
  ShimConfig c = container;
  c.id = exec_id;
  c.args.assign(exec.cmd().begin(), exec.cmd().end());
  c.env = MergeEnv(container.env, {exec.env().begin(), exec.env().end()});
  if (!exec.user().empty()) c.user = exec.user();
  if (!exec.working_dir().empty()) c.cwd = exec.working_dir();
  c.tty = exec.tty();
  c.open_stdin = exec.attach_stdin();
  // dockerd closes an exec's stdin when its client's input ends.
  c.stdin_once = true;
  c.console_height = 0;
  c.console_width = 0;
  if (exec.privileged()) c.security.capabilities = CapabilitiesInMask(host.capability_mask);
  c.socket_path = files.socket_path;
  c.exit_path = files.exit_path;
  c.log_path = "";
  c.join_pid = init_pid;
  c.join_container = container_id;
  return c;
}

}  // namespace berth::runtimed::spec
