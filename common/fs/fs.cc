#include "common/fs/fs.h"

#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/status/status.h"

namespace berth::fs {

ScopedFd& ScopedFd::operator=(ScopedFd&& other) noexcept {
  if (this != &other) reset(other.release());
  return *this;
}

ScopedFd::~ScopedFd() { reset(); }

int ScopedFd::release() {
  int fd = fd_;
  fd_ = -1;
  return fd;
}

void ScopedFd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

absl::Status WriteFileAtomically(const std::string& path, const std::string& content, int mode) {
  std::filesystem::path target(path);
  std::string dir = target.parent_path().empty() ? "." : target.parent_path().string();
  std::string tmp = absl::StrCat(path, ".tmp.", ::getpid());
  ScopedFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
  if (!fd.valid()) return ErrnoToStatus(errno, absl::StrCat("create '", tmp, "'"));
  size_t off = 0;
  while (off < content.size()) {
    ssize_t n = ::write(fd.get(), content.data() + off, content.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::unlink(tmp.c_str());
      return ErrnoToStatus(err, absl::StrCat("write '", tmp, "'"));
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd.get()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return ErrnoToStatus(err, absl::StrCat("fsync '", tmp, "'"));
  }
  fd.reset();
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return ErrnoToStatus(err, absl::StrCat("rename to '", path, "'"));
  }
  ScopedFd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dfd.valid()) ::fsync(dfd.get());
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  ScopedFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoToStatus(errno, absl::StrCat("open '", path, "'"));
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoToStatus(errno, absl::StrCat("read '", path, "'"));
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

absl::Status MakeDirs(const std::string& path, int mode) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return ErrnoToStatus(ec.value(), absl::StrCat("mkdir '", path, "'"));
  ::chmod(path.c_str(), mode);
  return absl::OkStatus();
}

namespace {

// nftw callback state: the first error wins; FTW_MOUNT keeps the walk on the
// tree's own filesystem, so nothing mounted inside is ever entered or deleted.
thread_local int remove_tree_errno = 0;
thread_local std::string* remove_tree_failed_copy = nullptr;

int RemoveEntry(const char* path, const struct stat* st, int type, struct FTW* ftw) {
  int rc = (type == FTW_DP) ? ::rmdir(path) : ::unlink(path);
  if (rc != 0 && remove_tree_errno == 0) {
    remove_tree_errno = errno;
    if (remove_tree_failed_copy) *remove_tree_failed_copy = path;
  }
  return 0;  // keep going: remove as much as possible, report the first failure
}

}  // namespace

absl::Status RemoveTree(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return absl::OkStatus();
    return ErrnoToStatus(errno, absl::StrCat("stat '", path, "'"));
  }
  std::string failed;
  remove_tree_errno = 0;
  remove_tree_failed_copy = &failed;
  int rc = ::nftw(path.c_str(), RemoveEntry, 64, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
  remove_tree_failed_copy = nullptr;
  if (rc != 0) return ErrnoToStatus(errno, absl::StrCat("walk '", path, "'"));
  if (remove_tree_errno != 0) {
    // A directory that still holds a mount point cannot be emptied.
    int err = (remove_tree_errno == ENOTEMPTY || remove_tree_errno == EEXIST)
                  ? EBUSY
                  : remove_tree_errno;
    return ErrnoToStatus(err, absl::StrCat("remove '", failed, "'"));
  }
  return absl::OkStatus();
}

}  // namespace berth::fs
