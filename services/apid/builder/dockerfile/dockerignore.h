#pragma once

#include <regex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::apid::builder::dockerfile {

// The patterns of a `.dockerignore` file, matched as Docker's patternmatcher
// does:
//   * one pattern a line; blank lines and lines starting with `#` are skipped;
//     surrounding whitespace is trimmed;
//   * a pattern is cleaned like Go's filepath.Clean and a leading `/` dropped,
//     so `/a/../b/` is `b`;
//   * `*` matches any run of non-separator characters, `?` one, `[...]` a
//     class, `\` escapes; `**` matches any number of directories (also none);
//   * a pattern matches a path or any of its parent directories;
//   * `!` makes a pattern an exception; the last pattern that matches wins.
class DockerIgnore {
 public:
  // InvalidArgument for a pattern that does not compile (an unterminated `[`).
  static absl::StatusOr<DockerIgnore> Parse(const std::string& content);

  // `path` is relative to the context root, with `/` separators (no leading `/`).
  bool Excluded(const std::string& path) const;

  // True when an exception pattern could re-include something under `dir`, so
  // an excluded directory must still be walked.
  bool HasExceptions() const { return has_exceptions_; }

  size_t size() const { return patterns_.size(); }

 private:
  struct Pattern {
    std::string text;
    bool exclusion = false;  // a `!` pattern
    std::regex regex;
  };
  std::vector<Pattern> patterns_;
  bool has_exceptions_ = false;
};

// Go's filepath.Clean for `/`-separated paths ("" → ".").
std::string CleanPath(const std::string& path);

}  // namespace berth::apid::builder::dockerfile
