// Docker's json-file log format: one JSON object per line,
//   {"log":"hi\n","stream":"stdout","time":"2026-11-27T17:51:02.029651626Z"}
// The shim writes it; runtimed reads it for ContainerLogs and attach replay.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::runtimed::logs {

struct LogLine {
  std::string stream;  // "stdout" or "stderr"
  std::string data;    // raw bytes (usually one line including its "\n")
  int64_t time_unix_nano = 0;

  bool operator==(const LogLine&) const = default;
};

// RFC 3339 with nanoseconds and trailing zeros trimmed, UTC ("...Z"), as Go's
// time.RFC3339Nano prints it.
std::string FormatRfc3339Nano(int64_t unix_nano);
// Parses what FormatRfc3339Nano prints (and any RFC 3339 time). InvalidArgument
// on a malformed time.
absl::StatusOr<int64_t> ParseRfc3339Nano(const std::string& text);

// Splits an output chunk into log lines the way Docker's copier does: one entry
// per "\n"-terminated line; a trailing partial line becomes its own entry.
std::vector<LogLine> SplitChunk(const std::string& stream, const std::string& chunk,
                                int64_t time_unix_nano);

// One line of the file, with its trailing "\n". Bytes that are not valid UTF-8
// are replaced with U+FFFD, as Go's JSON encoder does.
std::string EncodeLine(const LogLine& line);
// Parses one line (with or without the trailing "\n"). InvalidArgument when it
// is not a json-file entry.
absl::StatusOr<LogLine> DecodeLine(const std::string& text);

}  // namespace berth::runtimed::logs
