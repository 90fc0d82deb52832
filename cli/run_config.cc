#include "cli/run_config.h"

#include <set>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace berth::cli {

absl::StatusOr<RunPlan> BuildRunPlan(const RunFlags& flags,
                                     const std::optional<ConsoleSize>& console,
                                     const EnvLookup& lookup) {
  if (flags.image.empty()) {
    return absl::InvalidArgumentError("\"run\" requires at least 1 argument: IMAGE [COMMAND...]");
  }
  RunPlan plan;
  plan.name = flags.name;
  plan.attach = !flags.detach;
  plan.wait_for_removal = flags.remove && !flags.detach;

  ContainerSpec& spec = plan.spec;
  spec.image = flags.image;
  spec.cmd = flags.command;
  if (flags.entrypoint.has_value()) {
    spec.entrypoint = {*flags.entrypoint};
  }
  for (const std::string& e : flags.env) {
    auto parsed = ParseEnvFlag(e, lookup);
    if (!parsed.ok()) {
      return parsed.status();
    }
    spec.env.push_back(*std::move(parsed));
  }
  spec.working_dir = flags.workdir;
  spec.user = flags.user;
  spec.hostname = flags.hostname;
  spec.network_mode = flags.network.empty() ? "bridge" : flags.network;
  spec.auto_remove = flags.remove;

  spec.tty = flags.tty;
  spec.open_stdin = flags.interactive;
  if (plan.attach) {
    spec.attach_stdout = true;
    spec.attach_stderr = true;
    spec.attach_stdin = flags.interactive;
    // Docker closes the container's stdin after the one attached client goes,
    // so `echo hi | berth run -i img cat` terminates.
    spec.stdin_once = flags.interactive;
  }
  if (flags.tty && console.has_value()) {
    spec.console_height = console->height;
    spec.console_width = console->width;
  }

  std::set<std::string> exposed;
  for (const std::string& p : flags.publish) {
    auto mappings = ParsePortSpec(p);
    if (!mappings.ok()) {
      return mappings.status();
    }
    for (PortMapping& m : *mappings) {
      exposed.insert(absl::StrCat(m.container_port, "/", m.protocol));
      spec.port_bindings.push_back(std::move(m));
    }
  }
  spec.exposed_ports.assign(exposed.begin(), exposed.end());
  return plan;
}

}  // namespace berth::cli
