#include "services/apid/builder/dockerfile/dockerignore.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace berth::apid::builder::dockerfile {
namespace {

// Translates one cleaned pattern to an ECMAScript regex over the whole path.
absl::StatusOr<std::string> ToRegex(const std::string& pattern) {
  std::string out = "^";
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    switch (c) {
      case '*':
        if (i + 1 < pattern.size() && pattern[i + 1] == '*') {
          ++i;
          // `**/` also matches no directory at all.
          if (i + 1 < pattern.size() && pattern[i + 1] == '/') {
            ++i;
            out += "(.*/)?";
          } else {
            out += ".*";
          }
        } else {
          out += "[^/]*";
        }
        break;
      case '?':
        out += "[^/]";
        break;
      case '[': {
        size_t end = pattern.find(']', i + 1);
        if (end == std::string::npos) {
          return absl::InvalidArgumentError(
              absl::StrCat("illegal exclusion pattern: \"", pattern, "\": syntax error in pattern"));
        }
        std::string cls = pattern.substr(i + 1, end - i - 1);
        if (!cls.empty() && cls[0] == '^') cls[0] = '!';
        out += "[";
        if (!cls.empty() && cls[0] == '!') {
          out += "^";
          cls.erase(0, 1);
        }
        for (char k : cls) {
          if (k == '\\' || k == ']' || k == '[') out += '\\';
          out += k;
        }
        out += "]";
        i = end;
        break;
      }
      case '\\':
        if (i + 1 < pattern.size()) {
          ++i;
          out += '\\';
          out += pattern[i];
        } else {
          out += "\\\\";
        }
        break;
      case '.': case '+': case '(': case ')': case '|': case '^': case '$': case '{': case '}':
        out += '\\';
        out += c;
        break;
      default:
        out += c;
    }
  }
  out += "$";
  return out;
}

}  // namespace

std::string CleanPath(const std::string& path) {
  bool rooted = !path.empty() && path[0] == '/';
  std::vector<std::string> parts;
  for (absl::string_view part : absl::StrSplit(path, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (!rooted) {
        parts.push_back("..");
      }
      continue;
    }
    parts.emplace_back(part);
  }
  std::string out = (rooted ? "/" : "") + absl::StrJoin(parts, "/");
  return out.empty() ? "." : out;
}

absl::StatusOr<DockerIgnore> DockerIgnore::Parse(const std::string& content) {
  DockerIgnore ignore;
  for (absl::string_view raw : absl::StrSplit(content, '\n')) {
    absl::string_view line = absl::StripAsciiWhitespace(raw);
    if (line.empty() || line[0] == '#') continue;
    Pattern pattern;
    if (line[0] == '!') {
      pattern.exclusion = true;
      line = absl::StripLeadingAsciiWhitespace(line.substr(1));
      if (line.empty()) return absl::InvalidArgumentError("illegal exclusion pattern: \"!\"");
      ignore.has_exceptions_ = true;
    }
    std::string cleaned = CleanPath(std::string(line));
    if (cleaned.size() > 1 && cleaned[0] == '/') cleaned.erase(0, 1);
    pattern.text = cleaned;
    auto regex = ToRegex(cleaned);
    if (!regex.ok()) return regex.status();
    try {
      pattern.regex = std::regex(*regex, std::regex::ECMAScript);
    } catch (const std::regex_error&) {
      return absl::InvalidArgumentError(
          absl::StrCat("illegal exclusion pattern: \"", cleaned, "\": syntax error in pattern"));
    }
    ignore.patterns_.push_back(std::move(pattern));
  }
  return ignore;
}

bool DockerIgnore::Excluded(const std::string& path) const {
  std::string cleaned = CleanPath(path);
  // The path itself and each of its parent directories.
  std::vector<std::string> candidates;
  std::vector<absl::string_view> parts = absl::StrSplit(cleaned, '/');
  std::string prefix;
  for (size_t i = 0; i < parts.size(); ++i) {
    prefix = i == 0 ? std::string(parts[0]) : absl::StrCat(prefix, "/", parts[i]);
    candidates.push_back(prefix);
  }
  bool excluded = false;
  for (const Pattern& pattern : patterns_) {
    if (pattern.exclusion == !excluded) continue;  // cannot change the outcome
    bool match = false;
    for (const std::string& candidate : candidates) {
      if (std::regex_match(candidate, pattern.regex)) {
        match = true;
        break;
      }
    }
    if (match) excluded = !pattern.exclusion;
  }
  return excluded;
}

}  // namespace berth::apid::builder::dockerfile
