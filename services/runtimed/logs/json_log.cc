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
  // The lines of one output chunk share a timestamp: format it once. (A
  // json object per line plus a time format per line made 100-byte lines
  // cost tens of microseconds each.)
  thread_local int64_t cached_nano = -1;
  thread_local std::string cached_time;
  if (line.time_unix_nano != cached_nano) {
    cached_time = FormatRfc3339Nano(line.time_unix_nano);
    cached_nano = line.time_unix_nano;
  }
  // Key order as Docker's json-file writes it: log, stream, time; strings
  // escaped by the JSON library (the time needs none).
  auto quoted = [](const std::string& s) {
    return json(s).dump(-1, ' ', false, json::error_handler_t::replace);
  };
  std::string out = "{\"log\":";
  absl::StrAppend(&out, quoted(line.data), ",\"stream\":", quoted(line.stream), ",\"time\":\"",
                  cached_time, "\"}\n");
  return out;
}

absl::StatusOr<LogLine> DecodeLine(const std::string& text) {
  thread_local std::string cached_text;
  thread_local int64_t cached_nano = 0;
  try {
    json j = json::parse(text);
    LogLine line;
    line.data = j.at("log").get<std::string>();
    line.stream = j.at("stream").get<std::string>();
    const std::string& time_text = j.at("time").get_ref<const std::string&>();
    if (time_text != cached_text) {
      auto time = ParseRfc3339Nano(time_text);
      if (!time.ok()) return time.status();
      cached_text = time_text;
      cached_nano = *time;
    }
    line.time_unix_nano = cached_nano;
    return line;
  } catch (const json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("malformed log line: ", e.what()));
  }
}

}  // namespace berth::runtimed::logs
