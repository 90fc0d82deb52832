#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::apid::builder::dockerfile {

// One logical line of a Dockerfile: continuations joined, comments dropped,
// the instruction word lower-cased and its leading `--flags` split off.
struct Node {
  std::string instruction;          // "run", "from", ... (lower case, unvalidated)
  std::vector<std::string> flags;   // "--from=build", "--chown=1:1" (as written)
  std::string rest;                 // the arguments after the flags, trimmed
  std::string original;             // the whole logical line as written, joined
  int start_line = 0;               // 1-based line of the instruction word
  int end_line = 0;                 // last physical line of a continued instruction
};

// The lexical result: the escape token of the `# escape=` directive and the nodes.
struct ParsedFile {
  char escape = '\\';
  std::vector<Node> nodes;
  // Docker prints these ("[WARNING]: Empty continuation line found in: ...").
  std::vector<std::string> warnings;
};

// Splits a Dockerfile into nodes, following the classic/BuildKit parser:
//   * parser directives (`# escape=` and `# syntax=`) only before anything
//     else, each at most once; escape is `\` or a backtick;
//   * a line whose first non-blank character is `#` is a comment, also inside
//     a continuation; blank lines inside a continuation are skipped (warned);
//   * the escape token at the end of a line (trailing blanks allowed) continues it.
// Errors (InvalidArgument) name the line: "dockerfile parse error on line 1: ...".
// No instruction at all is "file with no instructions".
absl::StatusOr<ParsedFile> Parse(const std::string& text);

// Splits an argument string on whitespace, keeping quoted parts and escaped
// characters together (quotes and escapes are kept; ShellLex removes them).
std::vector<std::string> SplitWords(const std::string& text, char escape);

}  // namespace berth::apid::builder::dockerfile
