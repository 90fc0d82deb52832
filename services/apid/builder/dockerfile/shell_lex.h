#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::apid::builder::dockerfile {

// The build-time environment a word is expanded against: the stage's ENV,
// then its ARGs. Names are case-sensitive (Linux images).
using Environment = std::map<std::string, std::string>;

// Docker's word processing for instruction arguments: quote removal and
// variable substitution, with the Dockerfile's escape token (`\` or a
// backtick, from the `# escape=` directive).
//
// Rules (as dockerd/BuildKit apply them):
//   * single quotes are literal; in double quotes the escape token escapes
//     only `"`, `$` and itself; unquoted it escapes any character and is dropped;
//   * `$NAME` and `${NAME}` expand (unset = ""); names are [A-Za-z0-9_];
//   * `${N:-w}` / `${N-w}`: w when N is unset or empty / unset;
//     `${N:+w}` / `${N+w}`: w when N is set and non-empty / set, else "";
//     `${N:?m}` / `${N?m}`: an error with m when N is unset or empty / unset;
//   * a `$` before anything else stays literal.
class ShellLex {
 public:
  explicit ShellLex(char escape = '\\') : escape_(escape) {}

  // Expands one word; whitespace is kept (ENV values, WORKDIR, USER, ...).
  // InvalidArgument on a bad substitution or an unterminated quote.
  absl::StatusOr<std::string> ProcessWord(const std::string& word, const Environment& env) const;

  // Expands and then splits on unquoted whitespace (EXPOSE, COPY sources in
  // shell form); whitespace inside a variable's value splits too, as in Docker.
  absl::StatusOr<std::vector<std::string>> ProcessWords(const std::string& text,
                                                        const Environment& env) const;

 private:
  absl::StatusOr<std::vector<std::string>> Process(const std::string& text, const Environment& env,
                                                   bool split) const;
  char escape_;
};

}  // namespace berth::apid::builder::dockerfile
