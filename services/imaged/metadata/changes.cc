#include "services/imaged/metadata/changes.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status/status.h"

namespace berth::imaged::metadata {
namespace {

absl::Status Invalid(const std::string& instruction, const std::string& detail) {
  return absl::InvalidArgumentError(absl::StrCat(instruction, ": ", detail));
}

// Exec form when the text is a JSON array of strings; otherwise (as Docker
// does, even for text that merely starts with '[') the shell form.
std::vector<std::string> ParseCommand(const std::string& args) {
  if (absl::StartsWith(args, "[")) {
    try {
      auto j = nlohmann::json::parse(args);
      if (j.is_array() &&
          std::all_of(j.begin(), j.end(), [](const auto& v) { return v.is_string(); })) {
        return j.get<std::vector<std::string>>();
      }
    } catch (const nlohmann::json::exception&) {
      // Not JSON: fall through to the shell form.
    }
  }
  return {"/bin/sh", "-c", args};
}

// key=value pairs, or the legacy "KEY value with spaces" form.
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ParseKeyValues(
    const std::string& instruction, const std::string& args) {
  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> words, SplitWords(args));
  if (words.empty()) return Invalid(instruction, "requires at least one argument");
  std::vector<std::pair<std::string, std::string>> out;
  if (!absl::StrContains(words[0], '=')) {
    // Legacy form: the first word is the key, the rest of the line the value.
    std::string rest(absl::StripAsciiWhitespace(args));
    size_t sep = rest.find_first_of(" \t");
    if (sep == std::string::npos) return Invalid(instruction, "must have two arguments");
    BERTH_ASSIGN_OR_RETURN(std::vector<std::string> value_words,
                           SplitWords(rest.substr(sep + 1)));
    out.emplace_back(words[0], absl::StrJoin(value_words, " "));
    return out;
  }
  for (const auto& w : words) {
    size_t eq = w.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Invalid(instruction, absl::StrCat("'", w, "' is not a key=value pair"));
    }
    out.emplace_back(w.substr(0, eq), w.substr(eq + 1));
  }
  return out;
}

absl::Status AddPorts(const std::string& spec, std::set<std::string>& ports) {
  std::string range = spec;
  std::string proto = "tcp";
  if (size_t slash = spec.find('/'); slash != std::string::npos) {
    range = spec.substr(0, slash);
    proto = absl::AsciiStrToLower(spec.substr(slash + 1));
  }
  if (proto != "tcp" && proto != "udp" && proto != "sctp") {
    return Invalid("EXPOSE", absl::StrCat("invalid protocol in '", spec, "'"));
  }
  std::vector<std::string> bounds = absl::StrSplit(range, '-');
  uint32_t lo = 0, hi = 0;
  bool ok = bounds.size() <= 2 && absl::SimpleAtoi(bounds[0], &lo) &&
            absl::SimpleAtoi(bounds.back(), &hi) && lo >= 1 && hi <= 65535 && lo <= hi;
  if (!ok) return Invalid("EXPOSE", absl::StrCat("invalid port '", spec, "'"));
  for (uint32_t p = lo; p <= hi; ++p) ports.insert(absl::StrCat(p, "/", proto));
  return absl::OkStatus();
}

void SetEnv(std::vector<std::string>& env, const std::string& key, const std::string& value) {
  std::string prefix = absl::StrCat(key, "=");
  for (auto& e : env) {
    if (absl::StartsWith(e, prefix)) {
      e = absl::StrCat(prefix, value);
      return;
    }
  }
  env.push_back(absl::StrCat(prefix, value));
}

std::string JoinWorkdir(const std::string& current, const std::string& dir) {
  if (absl::StartsWith(dir, "/")) return dir;
  std::string base = current.empty() ? "/" : current;
  if (!absl::EndsWith(base, "/")) base += "/";
  return base + dir;
}

}  // namespace

absl::StatusOr<std::vector<std::string>> SplitWords(const std::string& line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quote == '\'') {
      if (c == '\'') {
        quote = 0;
      } else {
        word += c;
      }
      continue;
    }
    if (c == '\\' && i + 1 < line.size() && (quote == 0 || line[i + 1] == '"' ||
                                              line[i + 1] == '\\')) {
      word += line[++i];
      in_word = true;
      continue;
    }
    if (quote == '"') {
      if (c == '"') {
        quote = 0;
      } else {
        word += c;
      }
      continue;
    }
    if (c == '"' || c == '\'') {
      quote = c;
      in_word = true;
    } else if (c == ' ' || c == '\t') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (quote != 0) return absl::InvalidArgumentError("unterminated quote");
  if (in_word) words.push_back(std::move(word));
  return words;
}

absl::Status ApplyChanges(const std::vector<std::string>& changes, ImageConfig& config) {
  ImageConfig next = config;
  bool cmd_set = false;
  for (const auto& raw : changes) {
    std::string change(absl::StripAsciiWhitespace(raw));
    if (change.empty()) continue;
    size_t sep = change.find_first_of(" \t");
    std::string instruction = absl::AsciiStrToUpper(change.substr(0, sep));
    std::string args = sep == std::string::npos
                           ? ""
                           : std::string(absl::StripAsciiWhitespace(change.substr(sep)));
    if (instruction == "CMD" || instruction == "ENTRYPOINT") {
      if (args.empty()) return Invalid(instruction, "requires at least one argument");
      if (instruction == "CMD") {
        next.cmd = ParseCommand(args);
        cmd_set = true;
      } else {
        next.entrypoint = ParseCommand(args);
        if (!cmd_set) next.cmd.clear();
      }
    } else if (instruction == "ENV" || instruction == "LABEL") {
      BERTH_ASSIGN_OR_RETURN(auto pairs, ParseKeyValues(instruction, args));
      for (const auto& [k, v] : pairs) {
        if (instruction == "ENV") {
          SetEnv(next.env, k, v);
        } else {
          next.labels[k] = v;
        }
      }
    } else if (instruction == "EXPOSE") {
      BERTH_ASSIGN_OR_RETURN(std::vector<std::string> specs, SplitWords(args));
      if (specs.empty()) return Invalid(instruction, "requires at least one argument");
      std::set<std::string> ports(next.exposed_ports.begin(), next.exposed_ports.end());
      for (const auto& s : specs) BERTH_RETURN_IF_ERROR(AddPorts(s, ports));
      next.exposed_ports.assign(ports.begin(), ports.end());
    } else if (instruction == "WORKDIR" || instruction == "USER" || instruction == "STOPSIGNAL") {
      BERTH_ASSIGN_OR_RETURN(std::vector<std::string> words, SplitWords(args));
      if (words.size() != 1) return Invalid(instruction, "requires exactly one argument");
      if (instruction == "WORKDIR") {
        next.working_dir = JoinWorkdir(next.working_dir, words[0]);
      } else if (instruction == "USER") {
        next.user = words[0];
      } else {
        next.stop_signal = words[0];
      }
    } else if (instruction == "VOLUME") {
      // JSON form (VOLUME ["/a", "/b"]) or words (VOLUME /a /b), as in a Dockerfile.
      std::vector<std::string> paths;
      if (absl::StartsWith(args, "[")) {
        paths = ParseCommand(args);
        if (paths.size() == 3 && paths[0] == "/bin/sh") {
          return Invalid(instruction, "malformed JSON array");
        }
      } else {
        BERTH_ASSIGN_OR_RETURN(paths, SplitWords(args));
      }
      if (paths.empty()) return Invalid(instruction, "requires at least one argument");
      std::set<std::string> volumes(next.volumes.begin(), next.volumes.end());
      for (const auto& p : paths) {
        if (p.empty() || p[0] != '/') {
          return Invalid(instruction, absl::StrCat("'", p, "' is not an absolute path"));
        }
        volumes.insert(p);
      }
      next.volumes.assign(volumes.begin(), volumes.end());
    } else if (instruction == "HEALTHCHECK" ||
               instruction == "ONBUILD") {
      return absl::InvalidArgumentError(
          absl::StrCat(instruction, " changes are not supported yet"));
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat(instruction, " is not a valid change command"));
    }
  }
  config = std::move(next);
  return absl::OkStatus();
}

}  // namespace berth::imaged::metadata
