// ApplyConfigInstruction: the builder's metadata steps, also `commit --change`.
#include "services/apid/usecases/config_instructions.h"

#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status/status.h"
#include "services/apid/builder/dockerfile/dockerignore.h"

namespace berth::apid {
namespace {

using builder::dockerfile::Kind;

// Shell form is wrapped in the stage's SHELL (default /bin/sh -c).
std::vector<std::string> CommandArgs(const builder::dockerfile::CommandLine& cmd,
                                     const v1::ImageConfig& config) {
  if (cmd.exec_form) return cmd.args;
  std::vector<std::string> out(config.shell().begin(), config.shell().end());
  if (out.empty()) out = {"/bin/sh", "-c"};
  out.insert(out.end(), cmd.args.begin(), cmd.args.end());
  return out;
}

void SetEnv(v1::ImageConfig& config, const std::string& key, const std::string& value) {
  std::string entry = absl::StrCat(key, "=", value);
  for (std::string& e : *config.mutable_env()) {
    if (absl::StartsWith(e, key + "=")) {
      e = entry;
      return;
    }
  }
  config.add_env(entry);
}

template <typename Field>
void SetStrings(Field* field, const std::vector<std::string>& values) {
  field->Clear();
  for (const std::string& v : values) field->Add(std::string(v));
}

}  // namespace

absl::Status ApplyConfigInstruction(const builder::dockerfile::Instruction& ins,
                                    const builder::dockerfile::ShellLex& lex,
                                    const builder::dockerfile::Environment& env,
                                    v1::ImageConfig& c, bool& cmd_set) {
  auto word = [&](const std::string& w) { return lex.ProcessWord(w, env); };
  switch (ins.kind) {
    case Kind::kEnv:
      for (const auto& kv : ins.pairs) {
        BERTH_ASSIGN_OR_RETURN(std::string key, word(kv.key));
        BERTH_ASSIGN_OR_RETURN(std::string value, word(kv.value));
        SetEnv(c, key, value);
      }
      break;
    case Kind::kLabel:
      for (const auto& kv : ins.pairs) {
        BERTH_ASSIGN_OR_RETURN(std::string key, word(kv.key));
        BERTH_ASSIGN_OR_RETURN(std::string value, word(kv.value));
        (*c.mutable_labels())[key] = value;
      }
      break;
    case Kind::kCmd:
      SetStrings(c.mutable_cmd(), CommandArgs(ins.command, c));
      cmd_set = true;
      break;
    case Kind::kEntrypoint:
      SetStrings(c.mutable_entrypoint(), CommandArgs(ins.command, c));
      if (!cmd_set) c.clear_cmd();
      break;
    case Kind::kShell:
      SetStrings(c.mutable_shell(), ins.command.args);
      break;
    case Kind::kExpose: {
      std::set<std::string> ports(c.exposed_ports().begin(), c.exposed_ports().end());
      for (const std::string& w : ins.words) {
        BERTH_ASSIGN_OR_RETURN(std::vector<std::string> expanded, lex.ProcessWords(w, env));
        for (std::string p : expanded) {
          if (p.find('/') == std::string::npos) p += "/tcp";
          ports.insert(p);
        }
      }
      SetStrings(c.mutable_exposed_ports(), std::vector<std::string>(ports.begin(), ports.end()));
      break;
    }
    case Kind::kWorkdir: {
      BERTH_ASSIGN_OR_RETURN(std::string dir, word(ins.value));
      if (!absl::StartsWith(dir, "/")) {
        dir = absl::StrCat(c.working_dir().empty() ? "/" : c.working_dir(), "/", dir);
      }
      c.set_working_dir(builder::dockerfile::CleanPath(dir));
      break;
    }
    case Kind::kUser: {
      BERTH_ASSIGN_OR_RETURN(std::string user, word(ins.value));
      c.set_user(user);
      break;
    }
    case Kind::kVolume: {
      std::set<std::string> volumes(c.volumes().begin(), c.volumes().end());
      for (const std::string& w : ins.words) {
        BERTH_ASSIGN_OR_RETURN(std::string v, word(w));
        volumes.insert(v);
      }
      SetStrings(c.mutable_volumes(), std::vector<std::string>(volumes.begin(), volumes.end()));
      break;
    }
    case Kind::kStopSignal: {
      BERTH_ASSIGN_OR_RETURN(std::string sig, word(ins.value));
      c.set_stop_signal(sig);
      break;
    }
    case Kind::kHealthcheck: {
      v1::HealthConfig* h = c.mutable_healthcheck();
      h->Clear();
      if (ins.healthcheck.none) {
        h->add_test("NONE");
        break;
      }
      const auto& cmd = ins.healthcheck.command;
      h->add_test(cmd.exec_form ? "CMD" : "CMD-SHELL");
      for (const std::string& a : cmd.args) h->add_test(a);
      h->set_interval_ns(absl::ToInt64Nanoseconds(ins.healthcheck.interval));
      h->set_timeout_ns(absl::ToInt64Nanoseconds(ins.healthcheck.timeout));
      h->set_start_period_ns(absl::ToInt64Nanoseconds(ins.healthcheck.start_period));
      h->set_start_interval_ns(absl::ToInt64Nanoseconds(ins.healthcheck.start_interval));
      h->set_retries(ins.healthcheck.retries);
      break;
    }
    case Kind::kOnbuild:
      c.add_on_build(ins.trigger);
      break;
    default:
      return absl::InvalidArgumentError(absl::StrCat("not a config instruction: ", ins.original));
  }
  return absl::OkStatus();
}

}  // namespace berth::apid
