// The json-file log with Docker's rotation (--log-opt max-size, max-file):
// before a write would take the file past max-size, <log>.N-1 is dropped,
// <log>.i becomes <log>.i+1, <log> becomes <log>.1 and a new <log> starts;
// with max-file 1 the file is truncated instead. The shim writes through
// RotatingLogFile; runtimed reads LogFilesOldestFirst, so `logs --tail`
// and `--since` span the rotated files.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/fs/fs.h"

namespace berth::runtimed::logs {

struct RotationPolicy {
  int64_t max_size = 0;  // bytes; 0 = the file grows without bound (Docker's default)
  int max_files = 1;     // files kept, the live one included (>= 1)

  bool operator==(const RotationPolicy&) const = default;
};

// "<path>.1", "<path>.2", ...: the rotated file `index` steps old.
std::string RotatedPath(const std::string& path, int index);

// The log's files, oldest first, ending with `path` itself: the rotated
// ones that exist, counted up from <path>.1 until the first gap.
std::vector<std::string> LogFilesOldestFirst(const std::string& path);

class RotatingLogFile {
 public:
  // Opens (creates, appends to) `path`.
  static absl::StatusOr<RotatingLogFile> Open(std::string path, RotationPolicy policy);

  // Appends whole log entries; rotates first when the file is not empty and
  // `entries` would take it past max_size (an entry is never split).
  absl::Status Append(std::string_view entries);

  // fsync of the live file (the shim's last act before reporting the exit).
  absl::Status Sync();

  int64_t size() const { return size_; }

 private:
  RotatingLogFile(std::string path, RotationPolicy policy) : path_(std::move(path)), policy_(policy) {}
  absl::Status Rotate();
  absl::Status OpenFile(bool truncate);

  std::string path_;
  RotationPolicy policy_;
  fs::ScopedFd fd_;
  int64_t size_ = 0;
};

}  // namespace berth::runtimed::logs
