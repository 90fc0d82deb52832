#include "cli/run_config.h"

#include <set>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace berth::cli {

namespace {

absl::StatusOr<UlimitSpec> ParseUlimit(const std::string& text) {
  auto bad = [&] { return absl::InvalidArgumentError(absl::StrCat("invalid ulimit argument: ", text)); };
  size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0) return bad();
  UlimitSpec u;
  u.name = text.substr(0, eq);
  std::pair<std::string, std::string> values =
      absl::StrSplit(text.substr(eq + 1), absl::MaxSplits(':', 1));
  if (!absl::SimpleAtoi(values.first, &u.soft) || u.soft < -1) return bad();
  u.hard = u.soft;
  if (!values.second.empty() && (!absl::SimpleAtoi(values.second, &u.hard) || u.hard < -1)) {
    return bad();
  }
  // -1 is unlimited, above any number.
  auto rank = [](int64_t v) { return v < 0 ? INT64_MAX : v; };
  if (rank(u.soft) > rank(u.hard)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ulimit soft limit must be less than or equal to hard limit: ", u.soft, " > ", u.hard));
  }
  return u;
}

}  // namespace

absl::StatusOr<SecuritySpec> BuildSecuritySpec(const RunFlags& flags, const FileReader& read_file) {
  SecuritySpec s;
  s.cap_add = flags.cap_add;
  s.cap_drop = flags.cap_drop;
  s.privileged = flags.privileged;
  s.read_only_rootfs = flags.read_only;
  for (const std::string& opt : flags.security_opt) {
    size_t sep = opt.find_first_of("=:");
    std::string key = opt.substr(0, sep);
    std::string value = sep == std::string::npos ? "" : opt.substr(sep + 1);
    if (key == "no-new-privileges") {
      if (sep == std::string::npos || value == "true") {
        s.no_new_privileges = true;
      } else if (value == "false") {
        s.no_new_privileges = false;
      } else {
        return absl::InvalidArgumentError("invalid --security-opt: " + opt);
      }
    } else if (key == "seccomp" && sep != std::string::npos && opt[sep] == '=') {
      if (value == "unconfined" || value == "builtin") {
        s.seccomp_profile = value == "unconfined" ? value : "";
      } else if (!read_file) {
        return absl::InvalidArgumentError("cannot read seccomp profile " + value);
      } else {
        absl::StatusOr<std::string> content = read_file(value);
        if (!content.ok()) {
          return absl::InvalidArgumentError(absl::StrCat("opening seccomp profile (", value,
                                                         ") failed: ", content.status().message()));
        }
        s.seccomp_profile = *content;
      }
    } else {
      return absl::InvalidArgumentError(absl::StrCat("invalid --security-opt: \"", opt, "\""));
    }
  }
  for (const std::string& u : flags.ulimit) {
    absl::StatusOr<UlimitSpec> parsed = ParseUlimit(u);
    if (!parsed.ok()) return parsed.status();
    s.ulimits.push_back(*parsed);
  }
  return s;
}

absl::StatusOr<RunPlan> BuildRunPlan(const RunFlags& flags,
                                     const std::optional<ConsoleSize>& console,
                                     const EnvLookup& lookup, const FileReader& read_file) {
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
  spec.network_aliases = flags.network_aliases;
  spec.ipv4_address = flags.ip;
  spec.auto_remove = flags.remove;
  // docker's --label KEY[=VALUE]: a bare key gets an empty value.
  for (const std::string& label : flags.labels) {
    size_t eq = label.find('=');
    if (eq == 0 || label.empty()) {
      return absl::InvalidArgumentError("invalid label '" + label + "': empty name");
    }
    spec.labels.emplace_back(label.substr(0, eq),
                             eq == std::string::npos ? "" : label.substr(eq + 1));
  }
  spec.init = flags.init;

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
  absl::StatusOr<SecuritySpec> security = BuildSecuritySpec(flags, read_file);
  if (!security.ok()) {
    return security.status();
  }
  spec.security = *std::move(security);
  absl::StatusOr<StorageSpec> storage = BuildStorageSpec(flags.storage);
  if (!storage.ok()) {
    return storage.status();
  }
  spec.storage = *std::move(storage);
  absl::StatusOr<ResourcesSpec> resources = BuildResourcesSpec(flags.resources);
  if (!resources.ok()) {
    return resources.status();
  }
  spec.resources = *std::move(resources);
  return plan;
}

}  // namespace berth::cli
