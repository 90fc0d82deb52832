#include "services/apid/rest/query.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace berth::apid::rest {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

absl::StatusOr<std::string> PercentDecode(const std::string& in, bool plus_is_space) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      int hi = i + 2 < in.size() ? HexValue(in[i + 1]) : -1;
      int lo = i + 2 < in.size() ? HexValue(in[i + 2]) : -1;
      if (hi < 0 || lo < 0) return absl::InvalidArgumentError("malformed percent escape in URL");
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

bool ParseDockerBool(const std::string& value) {
  std::string v = absl::AsciiStrToLower(absl::StripAsciiWhitespace(value));
  return !(v.empty() || v == "0" || v == "no" || v == "false" || v == "none");
}

absl::StatusOr<Query> Query::Parse(const std::string& raw) {
  Query q;
  for (absl::string_view part : absl::StrSplit(raw, '&', absl::SkipEmpty())) {
    size_t eq = part.find('=');
    std::string key(part.substr(0, eq));
    std::string value(eq == absl::string_view::npos ? "" : part.substr(eq + 1));
    absl::StatusOr<std::string> k = PercentDecode(key, true);
    if (!k.ok()) return k.status();
    absl::StatusOr<std::string> v = PercentDecode(value, true);
    if (!v.ok()) return v.status();
    q.values_.emplace(std::move(*k), std::move(*v));
  }
  return q;
}

std::string Query::Get(const std::string& key, const std::string& fallback) const {
  auto it = values_.find(key);
  return it == values_.end() ? fallback : it->second;
}

std::vector<std::string> Query::GetAll(const std::string& key) const {
  std::vector<std::string> out;
  auto [begin, end] = values_.equal_range(key);
  for (auto it = begin; it != end; ++it) out.push_back(it->second);
  return out;
}

bool Query::GetBool(const std::string& key, bool fallback) const {
  auto it = values_.find(key);
  return it == values_.end() ? fallback : ParseDockerBool(it->second);
}

absl::StatusOr<long long> Query::GetInt(const std::string& key, long long fallback,
                                        IntRange range) const {
  auto it = values_.find(key);
  if (it == values_.end() || it->second.empty()) return fallback;
  long long v = 0;
  // SimpleAtoi fails on overflow instead of wrapping, so a huge value lands
  // here too rather than as a small or negative number.
  if (!absl::SimpleAtoi(it->second, &v) || v < range.min || v > range.max) {
    return absl::InvalidArgumentError(absl::StrCat("invalid value for ", key, ": '", it->second,
                                                   "' (must be an integer from ", range.min,
                                                   " to ", range.max, ")"));
  }
  return v;
}

absl::StatusOr<std::string> Query::GetSignal(const std::string& key) const {
  std::string value = Get(key);
  if (value.empty()) return value;
  // Anything that starts like a number is a number; names start with a letter.
  if (!absl::ascii_isdigit(static_cast<unsigned char>(value[0])) && value[0] != '-' &&
      value[0] != '+') {
    return value;
  }
  absl::StatusOr<long long> number = GetInt(key, 0, kSignalNumberRange);
  if (!number.ok()) return number.status();
  return absl::StrCat(*number);
}

absl::StatusOr<int64_t> Query::GetUnixNanos(const std::string& key) const {
  const std::string value = Get(key);
  if (value.empty()) return 0;
  auto invalid = [&] {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid value for ", key, ": '", value,
        "' (must be Unix seconds with an optional fraction, from 0 to ", kMaxUnixSeconds, ")"));
  };
  // Parsed as integers, not a double: a double loses nanoseconds at today's
  // epoch and turns huge or "nan" inputs into undefined conversions.
  absl::string_view seconds_text = value;
  absl::string_view fraction_text;
  if (size_t dot = value.find('.'); dot != std::string::npos) {
    seconds_text = absl::string_view(value).substr(0, dot);
    fraction_text = absl::string_view(value).substr(dot + 1);
  }
  auto all_digits = [](absl::string_view s) {
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return absl::ascii_isdigit(static_cast<unsigned char>(c)); });
  };
  const bool has_dot = seconds_text.size() != value.size();
  if (seconds_text.empty() || !all_digits(seconds_text) || !all_digits(fraction_text) ||
      fraction_text.size() > 9 || (has_dot && fraction_text.empty())) {
    return invalid();
  }
  int64_t seconds = 0;
  if (!absl::SimpleAtoi(seconds_text, &seconds) || seconds > kMaxUnixSeconds) return invalid();
  int64_t nanos = 0;
  if (!fraction_text.empty()) {
    std::string padded(fraction_text);
    padded.resize(9, '0');
    if (!absl::SimpleAtoi(padded, &nanos)) return invalid();
  }
  if (seconds == kMaxUnixSeconds &&
      nanos > std::numeric_limits<int64_t>::max() % 1000000000) {
    return invalid();
  }
  return seconds * 1000000000 + nanos;
}

}  // namespace berth::apid::rest
