#include "services/runtimed/logs/rotating_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "common/status/status.h"

namespace berth::runtimed::logs {

std::string RotatedPath(const std::string& path, int index) {
  return absl::StrCat(path, ".", index);
}

std::vector<std::string> LogFilesOldestFirst(const std::string& path) {
  std::vector<std::string> newest_first;
  struct stat st {};
  for (int i = 1; ::stat(RotatedPath(path, i).c_str(), &st) == 0; ++i) {
    newest_first.push_back(RotatedPath(path, i));
  }
  std::vector<std::string> files(newest_first.rbegin(), newest_first.rend());
  files.push_back(path);
  return files;
}

absl::StatusOr<RotatingLogFile> RotatingLogFile::Open(std::string path, RotationPolicy policy) {
  if (policy.max_files < 1) policy.max_files = 1;
  RotatingLogFile file(std::move(path), policy);
  BERTH_RETURN_IF_ERROR(file.OpenFile(/*truncate=*/false));
  return file;
}

absl::Status RotatingLogFile::OpenFile(bool truncate) {
  int flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (truncate ? O_TRUNC : 0);
  fd_.reset(::open(path_.c_str(), flags, 0640));
  if (!fd_.valid()) return ErrnoToStatus(errno, absl::StrCat("open log '", path_, "'"));
  struct stat st {};
  if (::fstat(fd_.get(), &st) != 0) return ErrnoToStatus(errno, "stat log");
  size_ = st.st_size;
  return absl::OkStatus();
}

absl::Status RotatingLogFile::Rotate() {
  // Renames only: a reader holding the old file open keeps reading it to
  // its end, then finds the new one at `path_`.
  for (int i = policy_.max_files - 1; i >= 1; --i) {
    std::string from = i == 1 ? path_ : RotatedPath(path_, i - 1);
    if (::rename(from.c_str(), RotatedPath(path_, i).c_str()) != 0 && errno != ENOENT) {
      return ErrnoToStatus(errno, absl::StrCat("rotate log '", from, "'"));
    }
  }
  // With max_files 1 nothing was renamed: the live file starts over.
  return OpenFile(/*truncate=*/true);
}

absl::Status RotatingLogFile::Append(std::string_view entries) {
  if (policy_.max_size > 0 && size_ > 0 &&
      size_ + static_cast<int64_t>(entries.size()) > policy_.max_size) {
    BERTH_RETURN_IF_ERROR(Rotate());
  }
  while (!entries.empty()) {
    ssize_t n = ::write(fd_.get(), entries.data(), entries.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoToStatus(errno, "write log");
    }
    size_ += n;
    entries.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

absl::Status RotatingLogFile::Sync() {
  if (::fsync(fd_.get()) != 0) return ErrnoToStatus(errno, "fsync log");
  return absl::OkStatus();
}

}  // namespace berth::runtimed::logs
