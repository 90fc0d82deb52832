#include "common/format/byte_size.h"

#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace berth::format {

absl::StatusOr<int64_t> ParseRamInBytes(const std::string& text) {
  auto invalid = [&text] { return absl::InvalidArgumentError(absl::StrCat("invalid size: '", text, "'")); };
  std::string s = absl::AsciiStrToLower(text);
  size_t end = 0;
  while (end < s.size() && (absl::ascii_isdigit(s[end]) || s[end] == '.')) ++end;
  double number = 0;
  if (end == 0 || !absl::ascii_isdigit(s[0]) || !absl::SimpleAtod(s.substr(0, end), &number)) {
    return invalid();
  }
  std::string unit = s.substr(end);
  if (!unit.empty() && unit[0] == ' ') unit.erase(0, 1);
  if (!unit.empty() && unit.back() == 'b') unit.pop_back();
  if (!unit.empty() && unit.back() == 'i') unit.pop_back();
  static constexpr const char kUnits[] = "kmgtp";
  int64_t multiplier = 1;
  if (!unit.empty()) {
    const char* at = unit.size() == 1 ? std::strchr(kUnits, unit[0]) : nullptr;
    if (at == nullptr || *at == '\0') return invalid();
    multiplier = int64_t{1} << (10 * (at - kUnits + 1));
  }
  double bytes = number * static_cast<double>(multiplier);
  if (bytes >= 9.2e18) return invalid();
  return static_cast<int64_t>(bytes);
}

}  // namespace berth::format
