#include "services/apid/builder/dockerfile/shell_lex.h"

#include <cctype>
#include <optional>

#include "absl/strings/str_cat.h"

namespace berth::apid::builder::dockerfile {
namespace {

// Lexer methods return Status or StatusOr; this forwards either kind of error.
#define BERTH_LEX_RETURN_IF_ERROR(expr)    \
  do {                                     \
    absl::Status lex_status_ = (expr);     \
    if (!lex_status_.ok()) return lex_status_; \
  } while (0)


bool IsNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Collects words; `split` decides whether unquoted whitespace ends a word.
class Words {
 public:
  explicit Words(bool split) : split_(split) {}
  void AddChar(char c, bool quoted) {
    if (split_ && !quoted && std::isspace(static_cast<unsigned char>(c))) {
      Flush();
      return;
    }
    current_.push_back(c);
    started_ = true;
  }
  void AddString(const std::string& s, bool quoted) {
    for (char c : s) AddChar(c, quoted);
  }
  // A quoted empty string ("") still makes a word.
  void MarkStarted() { started_ = true; }
  void Flush() {
    if (started_) words_.push_back(current_);
    current_.clear();
    started_ = false;
  }
  std::vector<std::string> Take() {
    Flush();
    return std::move(words_);
  }

 private:
  bool split_;
  bool started_ = false;
  std::string current_;
  std::vector<std::string> words_;
};

class Lexer {
 public:
  Lexer(const std::string& text, const Environment& env, char escape)
      : text_(text), env_(env), escape_(escape) {}

  // Reads until the end of input or, when `stop_at_brace`, an unquoted `}`.
  absl::Status Run(Words& out, bool stop_at_brace) {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (stop_at_brace && c == '}') return absl::OkStatus();
      if (c == '\'') {
        BERTH_LEX_RETURN_IF_ERROR(SingleQuoted(out));
      } else if (c == '"') {
        BERTH_LEX_RETURN_IF_ERROR(DoubleQuoted(out));
      } else if (c == '$') {
        auto value = Dollar();
        if (!value.ok()) return value.status();
        out.AddString(*value, /*quoted=*/false);
      } else if (c == escape_) {
        ++pos_;
        if (pos_ < text_.size()) {
          out.AddChar(text_[pos_], /*quoted=*/true);
          ++pos_;
        }
      } else {
        out.AddChar(c, /*quoted=*/false);
        ++pos_;
      }
    }
    if (stop_at_brace) return absl::InvalidArgumentError("syntax error: missing '}'");
    return absl::OkStatus();
  }

 private:
  absl::Status SingleQuoted(Words& out) {
    ++pos_;
    out.MarkStarted();
    while (pos_ < text_.size() && text_[pos_] != '\'') out.AddChar(text_[pos_++], true);
    if (pos_ >= text_.size()) return absl::InvalidArgumentError("unexpected end of statement while looking for matching single-quote");
    ++pos_;
    return absl::OkStatus();
  }

  absl::Status DoubleQuoted(Words& out) {
    ++pos_;
    out.MarkStarted();
    while (pos_ < text_.size() && text_[pos_] != '"') {
      char c = text_[pos_];
      if (c == '$') {
        auto value = Dollar();
        if (!value.ok()) return value.status();
        out.AddString(*value, /*quoted=*/true);
        continue;
      }
      if (c == escape_ && pos_ + 1 < text_.size()) {
        char next = text_[pos_ + 1];
        if (next == '"' || next == '$' || next == escape_) {
          out.AddChar(next, true);
          pos_ += 2;
          continue;
        }
      }
      out.AddChar(c, true);
      ++pos_;
    }
    if (pos_ >= text_.size()) return absl::InvalidArgumentError("unexpected end of statement while looking for matching double-quote");
    ++pos_;
    return absl::OkStatus();
  }

  // At a `$`: returns its expansion and advances past it.
  absl::StatusOr<std::string> Dollar() {
    ++pos_;
    if (pos_ >= text_.size()) return std::string("$");
    if (text_[pos_] != '{') {
      size_t start = pos_;
      while (pos_ < text_.size() && IsNameChar(text_[pos_])) ++pos_;
      if (pos_ == start) return std::string("$");
      return Lookup(text_.substr(start, pos_ - start)).value_or("");
    }
    ++pos_;
    size_t start = pos_;
    while (pos_ < text_.size() && IsNameChar(text_[pos_])) ++pos_;
    std::string name = text_.substr(start, pos_ - start);
    if (name.empty()) return absl::InvalidArgumentError("syntax error: bad substitution");
    if (pos_ >= text_.size()) return absl::InvalidArgumentError("syntax error: missing '}'");
    std::optional<std::string> value = Lookup(name);
    if (text_[pos_] == '}') {
      ++pos_;
      return value.value_or("");
    }
    bool colon = false;
    if (text_[pos_] == ':') {
      colon = true;
      ++pos_;
      if (pos_ >= text_.size()) return absl::InvalidArgumentError("syntax error: missing '}'");
    }
    char modifier = text_[pos_];
    if (modifier != '-' && modifier != '+' && modifier != '?') {
      return absl::InvalidArgumentError(
          absl::StrCat("unsupported modifier (", colon ? ":" : "", std::string(1, modifier),
                       ") in substitution"));
    }
    ++pos_;
    // The word after the modifier is itself processed, up to the closing brace.
    Words word(/*split=*/false);
    BERTH_LEX_RETURN_IF_ERROR(Run(word, /*stop_at_brace=*/true));
    ++pos_;  // the `}`
    std::vector<std::string> parts = word.Take();
    std::string arg = parts.empty() ? "" : parts[0];
    bool set = value.has_value();
    bool usable = colon ? (set && !value->empty()) : set;
    switch (modifier) {
      case '-':
        return usable ? *value : arg;
      case '+':
        return usable ? arg : std::string();
      default:  // '?'
        if (usable) return *value;
        if (!arg.empty()) return absl::InvalidArgumentError(absl::StrCat(name, ": ", arg));
        return absl::InvalidArgumentError(
            absl::StrCat(name, colon && set ? ": is not allowed to be empty"
                                            : ": is not allowed to be unset"));
    }
  }

  std::optional<std::string> Lookup(const std::string& name) const {
    auto it = env_.find(name);
    if (it == env_.end()) return std::nullopt;
    return it->second;
  }

  const std::string& text_;
  const Environment& env_;
  char escape_;
  size_t pos_ = 0;
};

}  // namespace

absl::StatusOr<std::vector<std::string>> ShellLex::Process(const std::string& text,
                                                           const Environment& env,
                                                           bool split) const {
  Words words(split);
  Lexer lexer(text, env, escape_);
  absl::Status status = lexer.Run(words, /*stop_at_brace=*/false);
  if (!status.ok()) return status;
  return words.Take();
}

absl::StatusOr<std::string> ShellLex::ProcessWord(const std::string& word,
                                                  const Environment& env) const {
  auto words = Process(word, env, /*split=*/false);
  if (!words.ok()) return words.status();
  return words->empty() ? std::string() : (*words)[0];
}

absl::StatusOr<std::vector<std::string>> ShellLex::ProcessWords(const std::string& text,
                                                                const Environment& env) const {
  return Process(text, env, /*split=*/true);
}

}  // namespace berth::apid::builder::dockerfile
