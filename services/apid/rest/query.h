#pragma once

// Query strings and the Docker conventions for their values.

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::apid::rest {

// The accepted range of one numeric query parameter, inclusive.
struct IntRange {
  long long min;
  long long max;
};

// The bounds of every numeric query parameter the REST face reads, kept here
// so that no value can wrap when it is narrowed to its proto field (int32 or
// uint32) and every refusal reads the same. Handlers pass one of these to
// Query::GetInt.
inline constexpr long long kInt32Max = std::numeric_limits<int32_t>::max();
// stop/restart ?t= seconds; -1 means the container's own stop timeout.
inline constexpr IntRange kStopTimeoutRange{-1, kInt32Max};
// resize ?h= ?w=: the kernel's struct winsize holds 16-bit sizes.
inline constexpr IntRange kTerminalSizeRange{0, 65535};
// logs ?tail= lines ("all" is handled by the caller; -1 also means all).
inline constexpr IntRange kLogTailRange{-1, kInt32Max};
// containers/json ?limit=; -1 (or 0) means no limit.
inline constexpr IntRange kListLimitRange{-1, kInt32Max};
// kill/stop ?signal= given as a number: 1..SIGRTMAX on Linux.
inline constexpr IntRange kSignalNumberRange{1, 64};
// logs ?since= ?until= in Unix seconds: what nanoseconds in an int64 can hold
// (until the year 2262).
inline constexpr int64_t kMaxUnixSeconds = std::numeric_limits<int64_t>::max() / 1000000000;

// Percent-decoding; '+' becomes a space when `plus_is_space` (query strings).
// InvalidArgument on a malformed escape.
absl::StatusOr<std::string> PercentDecode(const std::string& in, bool plus_is_space);

// dockerd's boolean rule: after trimming and lowercasing, "", "0", "no",
// "false" and "none" are false; anything else is true.
bool ParseDockerBool(const std::string& value);

class Query {
 public:
  // Parses "a=1&b=x%20y&a=2" (the part after '?').
  static absl::StatusOr<Query> Parse(const std::string& raw);

  bool Has(const std::string& key) const { return values_.count(key) > 0; }
  // The first value, or `fallback` when absent.
  std::string Get(const std::string& key, const std::string& fallback = "") const;
  std::vector<std::string> GetAll(const std::string& key) const;
  // Absent → `fallback`; present → ParseDockerBool.
  bool GetBool(const std::string& key, bool fallback = false) const;
  // Absent or "" → `fallback` (not checked against `range`). Otherwise the
  // decimal integer, which must lie in `range`: InvalidArgument naming the
  // key, the value and the range when it is not an integer, overflows or is
  // out of range.
  absl::StatusOr<long long> GetInt(const std::string& key, long long fallback,
                                   IntRange range) const;
  // A signal as dockerd takes it: a name ("KILL", "SIGTERM") passes through
  // unchanged for runtimed to resolve; a number must lie in
  // kSignalNumberRange. Absent → "".
  absl::StatusOr<std::string> GetSignal(const std::string& key) const;
  // A Unix time "seconds[.fraction]" (what the docker CLI sends for logs
  // --since/--until) as nanoseconds. Absent or "" → 0. InvalidArgument when
  // malformed, negative or past kMaxUnixSeconds.
  absl::StatusOr<int64_t> GetUnixNanos(const std::string& key) const;

 private:
  std::multimap<std::string, std::string> values_;
};

}  // namespace berth::apid::rest
