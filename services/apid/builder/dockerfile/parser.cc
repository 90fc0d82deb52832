#include "services/apid/builder/dockerfile/parser.h"

#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace berth::apid::builder::dockerfile {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::string TrimLeft(absl::string_view s) {
  return std::string(absl::StripLeadingAsciiWhitespace(s));
}

bool IsComment(absl::string_view line) {
  absl::string_view t = absl::StripLeadingAsciiWhitespace(line);
  return !t.empty() && t[0] == '#';
}

bool IsEmpty(absl::string_view line) { return absl::StripAsciiWhitespace(line).empty(); }

// If `line` ends with the escape token (blanks after it allowed) that is not
// itself escaped, returns true and strips the token and the blanks.
bool StripContinuation(std::string& line, char escape) {
  size_t end = line.size();
  while (end > 0 && IsBlank(line[end - 1])) --end;
  if (end == 0 || line[end - 1] != escape) return false;
  // An escaped escape token (`\\`) at the end is literal, not a continuation.
  size_t run = 0;
  for (size_t i = end; i > 0 && line[i - 1] == escape; --i) ++run;
  if (run % 2 == 0) return false;
  line.resize(end - 1);
  return true;
}

absl::Status LineError(int line, absl::string_view message) {
  return absl::InvalidArgumentError(
      absl::StrCat("dockerfile parse error on line ", line, ": ", message));
}

// Reads the `key=value` parser directives from the top of the file. Returns
// the index of the first line that is not a directive.
absl::StatusOr<size_t> ReadDirectives(const std::vector<std::string>& lines, ParsedFile& out) {
  bool seen_escape = false;
  bool seen_syntax = false;
  size_t i = 0;
  for (; i < lines.size(); ++i) {
    absl::string_view line = absl::StripAsciiWhitespace(lines[i]);
    if (line.empty() || line[0] != '#') break;
    absl::string_view body = absl::StripLeadingAsciiWhitespace(line.substr(1));
    size_t eq = body.find('=');
    if (eq == absl::string_view::npos) break;
    std::string key = absl::AsciiStrToLower(absl::StripAsciiWhitespace(body.substr(0, eq)));
    std::string value(absl::StripAsciiWhitespace(body.substr(eq + 1)));
    if (key.empty() || !std::isalpha(static_cast<unsigned char>(key[0]))) break;
    bool valid_key = true;
    for (char c : key) valid_key = valid_key && std::isalnum(static_cast<unsigned char>(c));
    if (!valid_key) break;
    if (key == "escape") {
      if (seen_escape) return LineError(static_cast<int>(i + 1), "only one escape parser directive can be used");
      if (value != "\\" && value != "`") {
        return LineError(static_cast<int>(i + 1),
                         absl::StrCat("invalid escape token '", value, "' does not match ` or \\"));
      }
      seen_escape = true;
      out.escape = value[0];
    } else if (key == "syntax") {
      if (seen_syntax) return LineError(static_cast<int>(i + 1), "only one syntax parser directive can be used");
      seen_syntax = true;  // frontend images are BuildKit's; the classic builder ignores it
    } else {
      break;  // an unknown key ends the directives (it is a comment)
    }
  }
  return i;
}

}  // namespace

std::vector<std::string> SplitWords(const std::string& text, char escape) {
  std::vector<std::string> words;
  std::string word;
  char quote = 0;
  bool in_word = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quote == 0 && std::isspace(static_cast<unsigned char>(c))) {
      if (in_word) words.push_back(word);
      word.clear();
      in_word = false;
      continue;
    }
    in_word = true;
    word.push_back(c);
    if (c == escape && quote != '\'' && i + 1 < text.size()) {
      word.push_back(text[++i]);
      continue;
    }
    if (quote == 0 && (c == '"' || c == '\'')) {
      quote = c;
    } else if (c == quote) {
      quote = 0;
    }
  }
  if (in_word) words.push_back(word);
  return words;
}

absl::StatusOr<ParsedFile> Parse(const std::string& text) {
  ParsedFile out;
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  auto first = ReadDirectives(lines, out);
  if (!first.ok()) return first.status();

  for (size_t i = *first; i < lines.size(); ++i) {
    std::string line = lines[i];
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (IsEmpty(line) || IsComment(line)) continue;
    Node node;
    node.start_line = static_cast<int>(i + 1);
    std::string joined = TrimLeft(line);
    bool continued = StripContinuation(joined, out.escape);
    bool saw_empty = false;
    while (continued && i + 1 < lines.size()) {
      std::string next = lines[++i];
      if (!next.empty() && next.back() == '\r') next.pop_back();
      if (IsComment(next)) continue;
      if (IsEmpty(next)) {
        saw_empty = true;
        continue;
      }
      continued = StripContinuation(next, out.escape);
      joined += next;
    }
    node.end_line = static_cast<int>(i + 1);
    if (saw_empty) {
      out.warnings.push_back(absl::StrCat("Empty continuation line found in: ", joined));
    }
    node.original = std::string(absl::StripTrailingAsciiWhitespace(joined));

    // The instruction word, then the leading --flags, then the arguments.
    absl::string_view rest = node.original;
    size_t word_end = 0;
    while (word_end < rest.size() && !std::isspace(static_cast<unsigned char>(rest[word_end]))) {
      ++word_end;
    }
    node.instruction = absl::AsciiStrToLower(rest.substr(0, word_end));
    rest = absl::StripLeadingAsciiWhitespace(rest.substr(word_end));
    while (absl::StartsWith(rest, "--")) {
      size_t end = 0;
      char quote = 0;
      while (end < rest.size() &&
             (quote != 0 || !std::isspace(static_cast<unsigned char>(rest[end])))) {
        if (quote == 0 && (rest[end] == '"' || rest[end] == '\'')) {
          quote = rest[end];
        } else if (rest[end] == quote) {
          quote = 0;
        }
        ++end;
      }
      std::string flag(rest.substr(0, end));
      rest = absl::StripLeadingAsciiWhitespace(rest.substr(end));
      if (flag == "--") break;
      node.flags.push_back(flag);
    }
    node.rest = std::string(rest);
    out.nodes.push_back(std::move(node));
  }
  if (out.nodes.empty()) return absl::InvalidArgumentError("file with no instructions");
  return out;
}

}  // namespace berth::apid::builder::dockerfile
