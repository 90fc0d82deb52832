#include "services/apid/rest/query.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
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

absl::StatusOr<long long> Query::GetInt(const std::string& key, long long fallback) const {
  auto it = values_.find(key);
  if (it == values_.end() || it->second.empty()) return fallback;
  long long v = 0;
  if (!absl::SimpleAtoi(it->second, &v)) {
    return absl::InvalidArgumentError("invalid value for " + key + ": '" + it->second + "'");
  }
  return v;
}

}  // namespace berth::apid::rest
