#include "services/apid/rest/frames.h"

#include "absl/strings/str_format.h"
#include "absl/time/time.h"

namespace berth::apid::rest {

std::string EncodeFrame(v1::StdStream stream, std::string_view payload) {
  uint8_t type = stream == v1::STD_STREAM_STDERR ? 2 : 1;
  uint32_t n = static_cast<uint32_t>(payload.size());
  std::string out;
  out.reserve(8 + payload.size());
  out.push_back(static_cast<char>(type));
  out.append(3, '\0');
  out.push_back(static_cast<char>((n >> 24) & 0xff));
  out.push_back(static_cast<char>((n >> 16) & 0xff));
  out.push_back(static_cast<char>((n >> 8) & 0xff));
  out.push_back(static_cast<char>(n & 0xff));
  out.append(payload.data(), payload.size());
  return out;
}

std::string EncodeOutput(const v1::LogEntry& entry, bool tty, bool timestamp) {
  std::string payload;
  if (timestamp) {
    payload = FormatRfc3339Nano(entry.time().seconds(), entry.time().nanos(), true) + " ";
  }
  payload += entry.data();
  return tty ? payload : EncodeFrame(entry.stream(), payload);
}

std::string FormatRfc3339Nano(int64_t seconds, int32_t nanos, bool fixed) {
  if (seconds == 0 && nanos == 0) return "0001-01-01T00:00:00Z";
  std::string base = absl::FormatTime("%Y-%m-%dT%H:%M:%S", absl::FromUnixSeconds(seconds),
                                      absl::UTCTimeZone());
  std::string frac = absl::StrFormat("%09d", nanos);
  if (!fixed) {
    while (!frac.empty() && frac.back() == '0') frac.pop_back();
  }
  return frac.empty() ? base + "Z" : base + "." + frac + "Z";
}

}  // namespace berth::apid::rest
