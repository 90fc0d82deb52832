#include "cli/run_config.h"

#include <set>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"

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

namespace {

// A Go duration ("1s", "500ms", "1m30s") as nanoseconds; "" is 0.
absl::Status ParseGoDuration(const std::string& flag, const std::string& text, int64_t* nanos) {
  *nanos = 0;
  if (text.empty()) return absl::OkStatus();
  absl::Duration d;
  if (!absl::ParseDuration(text, &d)) {
    return absl::InvalidArgumentError(absl::StrCat("invalid argument \"", text, "\" for \"", flag,
                                                   "\" flag: time: invalid duration \"", text,
                                                   "\""));
  }
  if (d < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(flag, " cannot be negative"));
  }
  *nanos = absl::ToInt64Nanoseconds(d);
  return absl::OkStatus();
}

absl::Status BuildHealthcheck(const RunFlags& flags, ContainerSpec* spec) {
  bool settings = !flags.health_cmd.empty() || !flags.health_interval.empty() ||
                  !flags.health_timeout.empty() || !flags.health_start_period.empty() ||
                  flags.health_retries != 0;
  if (flags.no_healthcheck) {
    if (settings) {
      return absl::InvalidArgumentError("--no-healthcheck conflicts with --health-* options");
    }
    spec->has_healthcheck = true;
    spec->health_test = {"NONE"};
    return absl::OkStatus();
  }
  if (!settings) return absl::OkStatus();
  spec->has_healthcheck = true;
  if (!flags.health_cmd.empty()) spec->health_test = {"CMD-SHELL", flags.health_cmd};
  if (absl::Status s =
          ParseGoDuration("--health-interval", flags.health_interval, &spec->health_interval_ns);
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          ParseGoDuration("--health-timeout", flags.health_timeout, &spec->health_timeout_ns);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = ParseGoDuration("--health-start-period", flags.health_start_period,
                                       &spec->health_start_period_ns);
      !s.ok()) {
    return s;
  }
  if (flags.health_retries < 0) {
    return absl::InvalidArgumentError("--health-retries cannot be negative");
  }
  spec->health_retries = flags.health_retries;
  return absl::OkStatus();
}

}  // namespace

absl::Status ParseRestartFlag(const std::string& flag, std::string* name, int32_t* max_retries) {
  if (flag.empty()) return absl::OkStatus();
  std::pair<std::string, std::string> parts = absl::StrSplit(flag, absl::MaxSplits(':', 1));
  if (parts.first.empty() && flag.find(':') != std::string::npos) {
    return absl::InvalidArgumentError(
        "invalid restart policy format: no policy provided before colon");
  }
  if (!parts.second.empty() && !absl::SimpleAtoi(parts.second, max_retries)) {
    return absl::InvalidArgumentError(
        "invalid restart policy format: maximum retry count must be an integer");
  }
  *name = parts.first;
  return absl::OkStatus();
}

absl::StatusOr<RunPlan> BuildRunPlan(const RunFlags& flags,
                                     const std::optional<ConsoleSize>& console,
                                     const EnvLookup& lookup, const FileReader& read_file) {
  if (flags.image.empty()) {
    return absl::InvalidArgumentError("\"run\" requires at least 1 argument: IMAGE [COMMAND...]");
  }
  if (flags.remove && !flags.restart.empty() && flags.restart != "no") {
    return absl::InvalidArgumentError("Conflicting options: --restart and --rm");
  }
  RunPlan plan;
  plan.name = flags.name;
  if (absl::Status s = ParseRestartFlag(flags.restart, &plan.spec.restart_policy,
                                        &plan.spec.restart_max_retries);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = BuildHealthcheck(flags, &plan.spec); !s.ok()) return s;
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
  spec.group_add = flags.group_add;
  spec.runtime = flags.runtime;
  spec.hostname = flags.hostname;
  spec.network_mode = flags.network.empty() ? "bridge" : flags.network;
  spec.network_aliases = flags.network_aliases;
  spec.ipv4_address = flags.ip;
  spec.network_options = {flags.publish_all, flags.dns,      flags.dns_search, flags.dns_option,
                          flags.add_host,    flags.link,     flags.mac_address};
  for (const std::string& host : flags.add_host) {
    // The docker CLI's check: "name:ip" with both parts.
    const size_t colon = host.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == host.size()) {
      return absl::InvalidArgumentError(absl::StrCat("bad format for add-host: \"", host, "\""));
    }
  }
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
  for (const std::string& e : flags.expose) {
    // docker's --expose: PORT[/PROTO]; a range exposes every port in it.
    auto mappings = ParsePortSpec(e);
    if (!mappings.ok() || e.find(':') != std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat("invalid range format for --expose: ", e));
    }
    for (const PortMapping& m : *mappings) {
      exposed.insert(absl::StrCat(m.container_port, "/", m.protocol));
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
  // The docker CLI's parseLoggingOpts: KEY=VALUE (a bare KEY means ""); the
  // daemon says which drivers and options it honours.
  spec.log_driver = flags.log_driver;
  for (const std::string& opt : flags.log_opts) {
    std::pair<std::string, std::string> kv = absl::StrSplit(opt, absl::MaxSplits('=', 1));
    spec.log_options[kv.first] = kv.second;
  }
  if (spec.log_driver == "none" && !spec.log_options.empty()) {
    return absl::InvalidArgumentError("invalid logging opts for driver none");
  }
  return plan;
}

}  // namespace berth::cli
