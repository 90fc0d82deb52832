#include "services/apid/builder/dockerfile/instructions.h"

#include <cctype>
#include <map>
#include <regex>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/status/status.h"
#include "nlohmann/json.hpp"

namespace berth::apid::builder::dockerfile {
namespace {

absl::Status Error(absl::string_view message) { return absl::InvalidArgumentError(message); }

const std::map<std::string, Kind>& Kinds() {
  static const auto* kinds = new std::map<std::string, Kind>{
      {"from", Kind::kFrom},       {"run", Kind::kRun},
      {"cmd", Kind::kCmd},         {"entrypoint", Kind::kEntrypoint},
      {"env", Kind::kEnv},         {"arg", Kind::kArg},
      {"label", Kind::kLabel},     {"expose", Kind::kExpose},
      {"workdir", Kind::kWorkdir}, {"user", Kind::kUser},
      {"copy", Kind::kCopy},       {"add", Kind::kAdd},
      {"volume", Kind::kVolume},   {"stopsignal", Kind::kStopSignal},
      {"healthcheck", Kind::kHealthcheck}, {"shell", Kind::kShell},
      {"onbuild", Kind::kOnbuild}, {"maintainer", Kind::kMaintainer},
  };
  return *kinds;
}

// The `--name=value` flags an instruction accepts; booleans are not used by
// the instructions the classic builder supports.
class Flags {
 public:
  static absl::StatusOr<Flags> Parse(const std::vector<std::string>& raw,
                                     const std::set<std::string>& allowed) {
    Flags flags;
    for (const std::string& flag : raw) {
      absl::string_view body = flag;
      body.remove_prefix(2);
      size_t eq = body.find('=');
      std::string name(body.substr(0, eq));
      if (name == "mount" || name == "security") {
        return Error(absl::StrCat("the --", name,
                                  " option requires BuildKit, which this builder does not serve"));
      }
      if (allowed.count(name) == 0) return Error(absl::StrCat("unknown flag: ", name));
      if (flags.values_.count(name) != 0) {
        return Error(absl::StrCat("duplicate flag specified: ", name));
      }
      if (eq == absl::string_view::npos) return Error(absl::StrCat("missing a value on flag: ", name));
      flags.values_[name] = std::string(body.substr(eq + 1));
    }
    return flags;
  }
  std::string Get(const std::string& name) const {
    auto it = values_.find(name);
    return it == values_.end() ? "" : it->second;
  }
  bool Has(const std::string& name) const { return values_.count(name) != 0; }

 private:
  std::map<std::string, std::string> values_;
};

// JSON array of strings → exec form; anything else that is not JSON → shell form.
absl::StatusOr<CommandLine> ParseMaybeJson(const std::string& rest) {
  CommandLine cmd;
  if (absl::StartsWith(rest, "[")) {
    nlohmann::json json = nlohmann::json::parse(rest, nullptr, /*allow_exceptions=*/false);
    if (json.is_array()) {
      for (const auto& item : json) {
        if (!item.is_string()) {
          return Error("when using JSON array syntax, arrays must be comprised of strings only");
        }
        cmd.args.push_back(item.get<std::string>());
      }
      cmd.exec_form = true;
      return cmd;
    }
  }
  if (!rest.empty()) cmd.args.push_back(rest);
  return cmd;
}

// COPY/ADD/VOLUME: a JSON array, else whitespace-separated words.
std::vector<std::string> ParseJsonOrWords(const std::string& rest, char escape, bool& exec_form) {
  exec_form = false;
  if (absl::StartsWith(rest, "[")) {
    nlohmann::json json = nlohmann::json::parse(rest, nullptr, false);
    if (json.is_array()) {
      std::vector<std::string> out;
      bool strings = true;
      for (const auto& item : json) {
        if (!item.is_string()) strings = false;
        else out.push_back(item.get<std::string>());
      }
      if (strings) {
        exec_form = true;
        return out;
      }
    }
  }
  return SplitWords(rest, escape);
}

// ENV and LABEL: `key=value ...`, or the legacy `KEY rest of line`.
absl::StatusOr<std::vector<KeyValue>> ParseNameValues(const std::string& name,
                                                      const std::string& rest, char escape) {
  std::vector<std::string> words = SplitWords(rest, escape);
  if (words.empty()) return Error(absl::StrCat(name, " requires at least one argument"));
  std::vector<KeyValue> out;
  if (words[0].find('=') == std::string::npos) {
    if (words.size() < 2) return Error(absl::StrCat(name, " must have two arguments"));
    absl::string_view value = absl::StripLeadingAsciiWhitespace(
        absl::string_view(rest).substr(rest.find(words[0]) + words[0].size()));
    out.push_back({words[0], std::string(value), true});
    return out;
  }
  for (const std::string& word : words) {
    size_t eq = word.find('=');
    if (eq == std::string::npos) {
      return Error(absl::StrCat("Syntax error - can't find = in \"", word,
                                "\". Must be of the form: name=value"));
    }
    if (eq == 0) return Error(absl::StrCat(name, " names can not be blank"));
    out.push_back({word.substr(0, eq), word.substr(eq + 1), true});
  }
  return out;
}

absl::Status ParseHealthcheck(const Node& node, char escape, Instruction& out) {
  std::vector<std::string> words = SplitWords(node.rest, escape);
  if (words.empty()) return Error("HEALTHCHECK requires at least one argument");
  std::string type = absl::AsciiStrToUpper(words[0]);
  if (type == "NONE") {
    if (words.size() > 1 || !node.flags.empty()) return Error("HEALTHCHECK NONE takes no arguments");
    out.healthcheck.none = true;
    return absl::OkStatus();
  }
  if (type != "CMD") {
    return Error(absl::StrCat("Unknown type \"", type, "\" in HEALTHCHECK (try CMD)"));
  }
  BERTH_ASSIGN_OR_RETURN(
      Flags flags,
      Flags::Parse(node.flags, {"interval", "timeout", "start-period", "start-interval", "retries"}));
  std::string cmd(absl::StripLeadingAsciiWhitespace(
      absl::string_view(node.rest).substr(words[0].size())));
  BERTH_ASSIGN_OR_RETURN(out.healthcheck.command, ParseMaybeJson(cmd));
  if (out.healthcheck.command.args.empty()) return Error("Missing command after HEALTHCHECK CMD");
  struct DurationFlag {
    const char* name;
    absl::Duration* target;
  };
  for (DurationFlag d : {DurationFlag{"interval", &out.healthcheck.interval},
                         DurationFlag{"timeout", &out.healthcheck.timeout},
                         DurationFlag{"start-period", &out.healthcheck.start_period},
                         DurationFlag{"start-interval", &out.healthcheck.start_interval}}) {
    if (!flags.Has(d.name)) continue;
    BERTH_ASSIGN_OR_RETURN(*d.target, ParseGoDuration(flags.Get(d.name)));
    if (*d.target != absl::ZeroDuration() && *d.target < absl::Milliseconds(1)) {
      return Error(absl::StrCat("Interval \"", d.name, "\" cannot be less than 1ms"));
    }
  }
  if (flags.Has("retries")) {
    int retries = 0;
    if (!absl::SimpleAtoi(flags.Get("retries"), &retries)) {
      return Error(absl::StrCat("invalid value for --retries: ", flags.Get("retries")));
    }
    if (retries < 0) return Error(absl::StrCat("--retries cannot be negative (", retries, ")"));
    out.healthcheck.retries = retries;
  }
  return absl::OkStatus();
}

absl::Status ParseCopy(const Node& node, char escape, Instruction& out) {
  std::set<std::string> allowed = {"chown", "chmod"};
  if (out.kind == Kind::kCopy) allowed.insert("from");
  BERTH_ASSIGN_OR_RETURN(Flags flags, Flags::Parse(node.flags, allowed));
  out.from = flags.Get("from");
  out.chown = flags.Get("chown");
  out.chmod = flags.Get("chmod");
  if (absl::StrContains(out.from, "$")) {
    return Error(
        "variable expansion is not supported for --from, define a new stage with FROM using ARG "
        "from global scope as a workaround");
  }
  if (!out.chmod.empty()) {
    for (char c : out.chmod) {
      if (c < '0' || c > '7') return Error(absl::StrCat("invalid chmod parameter: ", out.chmod));
    }
  }
  std::vector<std::string> words = ParseJsonOrWords(node.rest, escape, out.sources_exec_form);
  if (words.size() < 2) {
    return Error(absl::StrCat(KindName(out.kind),
                              " requires at least two arguments, but only one was provided. "
                              "Destination could not be determined"));
  }
  out.dest = words.back();
  words.pop_back();
  out.words = std::move(words);
  return absl::OkStatus();
}

absl::Status ParseFrom(const Node& node, char escape, Instruction& out) {
  BERTH_ASSIGN_OR_RETURN(Flags flags, Flags::Parse(node.flags, {"platform"}));
  out.platform = flags.Get("platform");
  std::vector<std::string> words = SplitWords(node.rest, escape);
  if (words.size() != 1 && words.size() != 3) {
    return Error("FROM requires either one or three arguments");
  }
  if (words.size() == 3) {
    if (!absl::EqualsIgnoreCase(words[1], "as")) {
      return Error("FROM requires either one or three arguments");
    }
    std::string name = absl::AsciiStrToLower(words[2]);
    static const std::regex kStageName("^[a-z][a-z0-9-_\\.]*$");
    if (!std::regex_match(name, kStageName)) {
      return Error(absl::StrCat("invalid name for build stage: \"", words[2],
                                "\", name can't start with a number or contain symbols"));
    }
    out.stage_name = name;
  }
  out.image = words[0];
  return absl::OkStatus();
}

absl::Status ParseOnbuild(const Node& node, char escape, Instruction& out) {
  if (node.rest.empty()) return Error("ONBUILD requires at least one argument");
  std::string word = node.rest.substr(0, node.rest.find_first_of(" \t"));
  std::string upper = absl::AsciiStrToUpper(word);
  if (upper == "ONBUILD") return Error("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
  if (upper == "FROM" || upper == "MAINTAINER") {
    return Error(absl::StrCat(upper, " isn't allowed as an ONBUILD trigger"));
  }
  // The trigger must itself be a valid instruction.
  auto parsed = Parse(node.rest);
  if (!parsed.ok()) return parsed.status();
  if (parsed->nodes.size() != 1) return Error("ONBUILD takes exactly one instruction");
  auto trigger = ParseInstruction(parsed->nodes[0], escape);
  if (!trigger.ok()) return trigger.status();
  out.trigger = node.rest;
  return absl::OkStatus();
}

}  // namespace

std::string KindName(Kind kind) {
  for (const auto& [name, k] : Kinds()) {
    if (k == kind) return absl::AsciiStrToUpper(name);
  }
  return "UNKNOWN";
}

absl::StatusOr<Instruction> ParseInstruction(const Node& node, char escape) {
  auto kind = Kinds().find(node.instruction);
  if (kind == Kinds().end()) {
    return Error(absl::StrCat("unknown instruction: ", absl::AsciiStrToUpper(node.instruction)));
  }
  Instruction out;
  out.kind = kind->second;
  out.line = node.start_line;
  out.original = node.original;
  const std::string name = KindName(out.kind);
  auto no_flags = [&]() -> absl::Status { return Flags::Parse(node.flags, {}).status(); };

  switch (out.kind) {
    case Kind::kFrom:
      BERTH_RETURN_IF_ERROR(ParseFrom(node, escape, out));
      break;
    case Kind::kRun: {
      BERTH_ASSIGN_OR_RETURN(Flags flags, Flags::Parse(node.flags, {"network"}));
      out.network = flags.Get("network");
      if (flags.Has("network") && out.network != "default" && out.network != "none" &&
          out.network != "host") {
        return Error(absl::StrCat("unsupported network mode: ", out.network));
      }
      BERTH_ASSIGN_OR_RETURN(out.command, ParseMaybeJson(node.rest));
      if (out.command.args.empty()) return Error("RUN requires at least one argument");
      break;
    }
    case Kind::kCmd:
    case Kind::kEntrypoint:
    case Kind::kShell: {
      BERTH_RETURN_IF_ERROR(no_flags());
      BERTH_ASSIGN_OR_RETURN(out.command, ParseMaybeJson(node.rest));
      if (out.kind == Kind::kShell) {
        if (!out.command.exec_form) return Error("SHELL requires the arguments to be in JSON form");
        if (out.command.args.empty()) return Error("SHELL requires at least one argument");
      } else if (!out.command.exec_form && out.command.args.empty()) {
        return Error(absl::StrCat(name, " requires at least one argument"));
      }
      break;
    }
    case Kind::kEnv:
    case Kind::kLabel: {
      BERTH_RETURN_IF_ERROR(no_flags());
      BERTH_ASSIGN_OR_RETURN(out.pairs, ParseNameValues(name, node.rest, escape));
      break;
    }
    case Kind::kArg: {
      BERTH_RETURN_IF_ERROR(no_flags());
      std::vector<std::string> words = SplitWords(node.rest, escape);
      if (words.empty()) return Error("ARG requires at least one argument");
      for (const std::string& word : words) {
        size_t eq = word.find('=');
        KeyValue kv{word.substr(0, eq), eq == std::string::npos ? "" : word.substr(eq + 1),
                    eq != std::string::npos};
        if (kv.key.empty()) return Error("ARG names can not be blank");
        out.pairs.push_back(std::move(kv));
      }
      break;
    }
    case Kind::kExpose:
      BERTH_RETURN_IF_ERROR(no_flags());
      out.words = SplitWords(node.rest, escape);
      if (out.words.empty()) return Error("EXPOSE requires at least one argument");
      break;
    case Kind::kVolume: {
      BERTH_RETURN_IF_ERROR(no_flags());
      bool json = false;
      out.words = ParseJsonOrWords(node.rest, escape, json);
      if (out.words.empty()) return Error("VOLUME requires at least one argument");
      for (const std::string& v : out.words) {
        if (absl::StripAsciiWhitespace(v).empty()) {
          return Error("VOLUME specified can not be an empty string");
        }
      }
      break;
    }
    case Kind::kWorkdir:
    case Kind::kUser:
    case Kind::kStopSignal:
    case Kind::kMaintainer:
      BERTH_RETURN_IF_ERROR(no_flags());
      if (node.rest.empty()) return Error(absl::StrCat(name, " requires exactly one argument"));
      out.value = node.rest;
      break;
    case Kind::kCopy:
    case Kind::kAdd:
      BERTH_RETURN_IF_ERROR(ParseCopy(node, escape, out));
      break;
    case Kind::kHealthcheck:
      BERTH_RETURN_IF_ERROR(ParseHealthcheck(node, escape, out));
      break;
    case Kind::kOnbuild:
      BERTH_RETURN_IF_ERROR(no_flags());
      BERTH_RETURN_IF_ERROR(ParseOnbuild(node, escape, out));
      break;
  }
  return out;
}

absl::StatusOr<Dockerfile> ParseDockerfile(const std::string& text) {
  BERTH_ASSIGN_OR_RETURN(ParsedFile parsed, Parse(text));
  Dockerfile out;
  out.escape = parsed.escape;
  out.warnings = parsed.warnings;
  std::set<std::string> stage_names;
  for (const Node& node : parsed.nodes) {
    auto line_error = [&](const absl::Status& status) {
      return absl::InvalidArgumentError(absl::StrCat(
          "dockerfile parse error on line ", node.start_line, ": ", status.message()));
    };
    auto instruction = ParseInstruction(node, parsed.escape);
    if (!instruction.ok()) return line_error(instruction.status());
    if (instruction->kind == Kind::kFrom) {
      Stage stage;
      stage.name = instruction->stage_name;
      if (!stage.name.empty() && !stage_names.insert(stage.name).second) {
        return line_error(Error(absl::StrCat("duplicate stage name \"", stage.name, "\"")));
      }
      stage.from = std::move(*instruction);
      out.stages.push_back(std::move(stage));
      continue;
    }
    if (out.stages.empty()) {
      if (instruction->kind != Kind::kArg) {
        return line_error(Error("no build stage in current context"));
      }
      for (KeyValue& kv : instruction->pairs) out.meta_args.push_back(std::move(kv));
      continue;
    }
    out.stages.back().commands.push_back(std::move(*instruction));
  }
  if (out.stages.empty()) return absl::InvalidArgumentError("dockerfile contains no stages to build");
  return out;
}

absl::StatusOr<absl::Duration> ParseGoDuration(const std::string& text) {
  auto bad = [&]() {
    return absl::InvalidArgumentError(absl::StrCat("time: invalid duration \"", text, "\""));
  };
  absl::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return absl::ZeroDuration();
  if (s.empty()) return bad();
  absl::Duration total = absl::ZeroDuration();
  while (!s.empty()) {
    size_t n = 0;
    while (n < s.size() && (std::isdigit(static_cast<unsigned char>(s[n])) || s[n] == '.')) ++n;
    if (n == 0) return bad();
    double number = 0;
    if (!absl::SimpleAtod(s.substr(0, n), &number)) return bad();
    s.remove_prefix(n);
    size_t u = 0;
    while (u < s.size() && !std::isdigit(static_cast<unsigned char>(s[u])) && s[u] != '.') ++u;
    absl::string_view unit = s.substr(0, u);
    s.remove_prefix(u);
    static const std::map<absl::string_view, absl::Duration> kUnits = {
        {"ns", absl::Nanoseconds(1)}, {"us", absl::Microseconds(1)},
        {"\xc2\xb5s", absl::Microseconds(1)}, {"ms", absl::Milliseconds(1)},
        {"s", absl::Seconds(1)}, {"m", absl::Minutes(1)}, {"h", absl::Hours(1)}};
    auto it = kUnits.find(unit);
    if (it == kUnits.end()) {
      if (unit.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("time: missing unit in duration \"", text, "\""));
      }
      return absl::InvalidArgumentError(
          absl::StrCat("time: unknown unit \"", unit, "\" in duration \"", text, "\""));
    }
    total += number * it->second;
  }
  return negative ? -total : total;
}

}  // namespace berth::apid::builder::dockerfile
