#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace berth::fs {

// Writes `content` to `path` so that readers see either the old or the new file,
// and the new one survives a crash: write a temp file in the same directory,
// fsync it, rename it over `path`, fsync the directory.
absl::Status WriteFileAtomically(const std::string& path, const std::string& content,
                                 int mode = 0644);

// Reads a whole file. NotFound if it does not exist.
absl::StatusOr<std::string> ReadFile(const std::string& path);

// mkdir -p with the given mode for directories it creates.
absl::Status MakeDirs(const std::string& path, int mode = 0755);

// rm -rf that never crosses into another filesystem: what is mounted inside is
// left alone and the call fails with FailedPrecondition (the directory holding
// the mount point cannot be emptied). A missing path is OK.
absl::Status RemoveTree(const std::string& path);

// An owned file descriptor, closed on destruction.
class ScopedFd {
 public:
  ScopedFd() = default;
  explicit ScopedFd(int fd) : fd_(fd) {}
  ScopedFd(ScopedFd&& other) noexcept : fd_(other.release()) {}
  ScopedFd& operator=(ScopedFd&& other) noexcept;
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  ~ScopedFd();

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release();
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

}  // namespace berth::fs
