#include "services/runtimed/logs/json_log.h"

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace berth::runtimed::logs {

using nlohmann::json;

std::string FormatRfc3339Nano(int64_t unix_nano) {
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%E*SZ", absl::FromUnixNanos(unix_nano),
                          absl::UTCTimeZone());
}

absl::StatusOr<int64_t> ParseRfc3339Nano(const std::string& text) {
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, text, &t, &err)) {
    return absl::InvalidArgumentError(absl::StrCat("bad time '", text, "': ", err));
  }
  return absl::ToUnixNanos(t);
}

std::vector<LogLine> SplitChunk(const std::string& stream, const std::string& chunk,
                                int64_t time_unix_nano) {
  std::vector<LogLine> lines;
  size_t start = 0;
  while (start < chunk.size()) {
    size_t nl = chunk.find('\n', start);
    size_t end = nl == std::string::npos ? chunk.size() : nl + 1;
    lines.push_back(LogLine{stream, chunk.substr(start, end - start), time_unix_nano});
    start = end;
  }
  return lines;
}

std::string EncodeLine(const LogLine& line) {
  json j{{"log", line.data}, {"stream", line.stream},
         {"time", FormatRfc3339Nano(line.time_unix_nano)}};
  std::string out = j.dump(-1, ' ', false, json::error_handler_t::replace);
  out.push_back('\n');
  return out;
}

absl::StatusOr<LogLine> DecodeLine(const std::string& text) {
  try {
    json j = json::parse(text);
    LogLine line;
    line.data = j.at("log").get<std::string>();
    line.stream = j.at("stream").get<std::string>();
    auto time = ParseRfc3339Nano(j.at("time").get<std::string>());
    if (!time.ok()) return time.status();
    line.time_unix_nano = *time;
    return line;
  } catch (const json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("malformed log line: ", e.what()));
  }
}

}  // namespace berth::runtimed::logs
