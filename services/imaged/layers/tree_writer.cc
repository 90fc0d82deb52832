#include "services/imaged/layers/tree_writer.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status/status.h"
#include "spdlog/spdlog.h"

namespace berth::imaged::layers {
namespace {

constexpr int kDirFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

// Recursively removes the directory `name` in `dirfd` without following links.
absl::Status RemoveDirAt(int dirfd, const std::string& name) {
  int fd = ::openat(dirfd, name.c_str(), kDirFlags);
  if (fd < 0) return TreeErrno(errno, absl::StrCat("open '", name, "'"));
  DIR* dir = ::fdopendir(fd);
  if (dir == nullptr) {
    ::close(fd);
    return TreeErrno(errno, absl::StrCat("opendir '", name, "'"));
  }
  absl::Status status;
  while (struct dirent* e = ::readdir(dir)) {
    std::string child = e->d_name;
    if (child == "." || child == "..") continue;
    struct stat st;
    if (::fstatat(fd, child.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      status = TreeErrno(errno, absl::StrCat("stat '", child, "'"));
      break;
    }
    if (S_ISDIR(st.st_mode)) {
      status = RemoveDirAt(fd, child);
    } else if (::unlinkat(fd, child.c_str(), 0) != 0) {
      status = TreeErrno(errno, absl::StrCat("unlink '", child, "'"));
    }
    if (!status.ok()) break;
  }
  ::closedir(dir);
  BERTH_RETURN_IF_ERROR(status);
  if (::unlinkat(dirfd, name.c_str(), AT_REMOVEDIR) != 0) {
    return TreeErrno(errno, absl::StrCat("rmdir '", name, "'"));
  }
  return absl::OkStatus();
}

}  // namespace

std::string JoinComponents(const Components& c) { return absl::StrJoin(c, "/"); }

absl::Status TreeErrno(int err, const std::string& context) {
  switch (err) {
    case ENOSPC:
    case EDQUOT:
    case EIO:
    case ENOMEM:
    case EROFS:
    case EMFILE:
    case ENFILE:
      return ErrnoToStatus(err, context);
    default:
      return absl::InvalidArgumentError(absl::StrCat(context, ": ", std::strerror(err)));
  }
}

absl::StatusOr<TreeWriter> TreeWriter::Open(const std::string& root, bool apply_ownership) {
  fs::ScopedFd fd(::open(root.c_str(), kDirFlags));
  if (!fd.valid()) return ErrnoToStatus(errno, absl::StrCat("open '", root, "'"));
  return TreeWriter(std::move(fd), apply_ownership);
}

absl::StatusOr<fs::ScopedFd> TreeWriter::OpenParent(const Components& path, bool create) {
  fs::ScopedFd cur(::dup(root_.get()));
  if (!cur.valid()) return ErrnoToStatus(errno, "dup layer root");
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    const std::string& name = path[i];
    struct stat st;
    if (::fstatat(cur.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno != ENOENT || !create) {
        return TreeErrno(errno, absl::StrCat("'", JoinComponents(path), "'"));
      }
      // Tar files may omit directory entries; create them like tar does.
      if (::mkdirat(cur.get(), name.c_str(), 0755) != 0) {
        return TreeErrno(errno, absl::StrCat("mkdir parent of '", JoinComponents(path), "'"));
      }
    } else if (S_ISLNK(st.st_mode)) {
      Components prefix(path.begin(), path.begin() + static_cast<long>(i) + 1);
      return absl::InvalidArgumentError(
          absl::StrCat("archive entry '", JoinComponents(path), "' goes through symlink '",
                       JoinComponents(prefix), "'"));
    } else if (!S_ISDIR(st.st_mode)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "archive entry '", JoinComponents(path), "': a parent is not a directory"));
    }
    // O_NOFOLLOW makes the walk safe even if the stat above raced with a swap.
    fs::ScopedFd next(::openat(cur.get(), name.c_str(), kDirFlags));
    if (!next.valid()) return TreeErrno(errno, absl::StrCat("open '", name, "'"));
    cur = std::move(next);
  }
  return cur;
}

absl::StatusOr<fs::ScopedFd> TreeWriter::OpenDir(const Components& path) {
  if (path.empty()) {
    fs::ScopedFd fd(::dup(root_.get()));
    if (!fd.valid()) return ErrnoToStatus(errno, "dup layer root");
    return fd;
  }
  BERTH_ASSIGN_OR_RETURN(fs::ScopedFd parent, OpenParent(path, /*create=*/false));
  fs::ScopedFd fd(::openat(parent.get(), path.back().c_str(), kDirFlags));
  if (!fd.valid()) return TreeErrno(errno, absl::StrCat("open '", JoinComponents(path), "'"));
  return fd;
}

absl::StatusOr<bool> TreeWriter::RemoveExisting(int dirfd, const std::string& name,
                                                bool keep_dir) {
  struct stat st;
  if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return false;
    return TreeErrno(errno, absl::StrCat("stat '", name, "'"));
  }
  if (S_ISDIR(st.st_mode)) {
    if (keep_dir) return true;
    BERTH_RETURN_IF_ERROR(RemoveDirAt(dirfd, name));
    return false;
  }
  if (::unlinkat(dirfd, name.c_str(), 0) != 0) {
    return TreeErrno(errno, absl::StrCat("unlink '", name, "'"));
  }
  return false;
}

absl::Status TreeWriter::ApplyOwnerAndXattrs(int fd, const Components& path,
                                             const EntryMeta& meta) {
  if (apply_ownership_ && ::fchown(fd, meta.uid, meta.gid) != 0) {
    return ErrnoToStatus(errno, absl::StrCat("chown '", JoinComponents(path), "'"));
  }
  for (const auto& [name, value] : meta.xattrs) {
    if (::fsetxattr(fd, name.c_str(), value.data(), value.size(), 0) != 0) {
      // Unprivileged runs cannot set trusted.* or security.* attributes; the
      // file is still usable, so say so and go on.
      spdlog::warn("layer entry '{}': cannot set xattr '{}': {}", JoinComponents(path), name,
                   std::strerror(errno));
    }
  }
  return absl::OkStatus();
}

absl::Status TreeWriter::MakeDir(const Components& path, const EntryMeta& meta) {
  fs::ScopedFd dir;
  if (path.empty()) {
    BERTH_ASSIGN_OR_RETURN(dir, OpenDir(path));
  } else {
    BERTH_ASSIGN_OR_RETURN(fs::ScopedFd parent, OpenParent(path, /*create=*/true));
    BERTH_ASSIGN_OR_RETURN(bool kept, RemoveExisting(parent.get(), path.back(), true));
    // 0700 until Finish(): a read-only directory must still take its children.
    if (!kept && ::mkdirat(parent.get(), path.back().c_str(), 0700) != 0) {
      return TreeErrno(errno, absl::StrCat("mkdir '", JoinComponents(path), "'"));
    }
    dir.reset(::openat(parent.get(), path.back().c_str(), kDirFlags));
    if (!dir.valid()) return TreeErrno(errno, absl::StrCat("open '", JoinComponents(path), "'"));
  }
  BERTH_RETURN_IF_ERROR(ApplyOwnerAndXattrs(dir.get(), path, meta));
  deferred_dirs_.push_back({path, meta.mode, {meta.atime, meta.mtime}});
  return absl::OkStatus();
}

absl::StatusOr<fs::ScopedFd> TreeWriter::CreateFile(const Components& path) {
  BERTH_ASSIGN_OR_RETURN(fs::ScopedFd parent, OpenParent(path, /*create=*/true));
  BERTH_RETURN_IF_ERROR(RemoveExisting(parent.get(), path.back(), false).status());
  fs::ScopedFd fd(::openat(parent.get(), path.back().c_str(),
                           O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.valid()) return TreeErrno(errno, absl::StrCat("create '", JoinComponents(path), "'"));
  return fd;
}

absl::Status TreeWriter::FinishFile(int fd, const Components& path, int64_t size,
                                    const EntryMeta& meta) {
  // Sparse entries leave holes; the recorded size is authoritative.
  if (::ftruncate(fd, size) != 0) {
    return TreeErrno(errno, absl::StrCat("truncate '", JoinComponents(path), "'"));
  }
  BERTH_RETURN_IF_ERROR(ApplyOwnerAndXattrs(fd, path, meta));
  // chmod after chown: chown clears setuid/setgid bits.
  if (::fchmod(fd, meta.mode) != 0) {
    return TreeErrno(errno, absl::StrCat("chmod '", JoinComponents(path), "'"));
  }
  struct timespec times[2] = {meta.atime, meta.mtime};
  if (::futimens(fd, times) != 0) {
    return TreeErrno(errno, absl::StrCat("utimens '", JoinComponents(path), "'"));
  }
  return absl::OkStatus();
}

absl::Status TreeWriter::MakeSymlink(const Components& path, const std::string& target,
                                     const EntryMeta& meta) {
  BERTH_ASSIGN_OR_RETURN(fs::ScopedFd parent, OpenParent(path, /*create=*/true));
  BERTH_RETURN_IF_ERROR(RemoveExisting(parent.get(), path.back(), false).status());
  // The target is stored, never followed here: inside the container it
  // resolves against the container's root.
  const char* name = path.back().c_str();
  if (::symlinkat(target.c_str(), parent.get(), name) != 0) {
    return TreeErrno(errno, absl::StrCat("symlink '", JoinComponents(path), "'"));
  }
  if (apply_ownership_ && ::fchownat(parent.get(), name, meta.uid, meta.gid,
                                     AT_SYMLINK_NOFOLLOW) != 0) {
    return ErrnoToStatus(errno, absl::StrCat("lchown '", JoinComponents(path), "'"));
  }
  struct timespec times[2] = {meta.atime, meta.mtime};
  if (::utimensat(parent.get(), name, times, AT_SYMLINK_NOFOLLOW) != 0) {
    return TreeErrno(errno, absl::StrCat("utimens '", JoinComponents(path), "'"));
  }
  return absl::OkStatus();
}

absl::Status TreeWriter::MakeFifo(const Components& path, const EntryMeta& meta) {
  BERTH_ASSIGN_OR_RETURN(fs::ScopedFd parent, OpenParent(path, /*create=*/true));
  BERTH_RETURN_IF_ERROR(RemoveExisting(parent.get(), path.back(), false).status());
  const char* name = path.back().c_str();
  if (::mkfifoat(parent.get(), name, 0600) != 0) {
    return TreeErrno(errno, absl::StrCat("mkfifo '", JoinComponents(path), "'"));
  }
  // Opening a FIFO would block; the *at calls on the fresh node are enough and
  // it cannot be a symlink because we just created it.
  if (apply_ownership_ &&
      ::fchownat(parent.get(), name, meta.uid, meta.gid, AT_SYMLINK_NOFOLLOW) != 0) {
    return ErrnoToStatus(errno, absl::StrCat("chown '", JoinComponents(path), "'"));
  }
  if (::fchmodat(parent.get(), name, meta.mode, 0) != 0) {
    return TreeErrno(errno, absl::StrCat("chmod '", JoinComponents(path), "'"));
  }
  struct timespec times[2] = {meta.atime, meta.mtime};
  if (::utimensat(parent.get(), name, times, AT_SYMLINK_NOFOLLOW) != 0) {
    return TreeErrno(errno, absl::StrCat("utimens '", JoinComponents(path), "'"));
  }
  return absl::OkStatus();
}

absl::Status TreeWriter::MakeHardlink(const Components& path, const Components& target) {
  if (target.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("hard link '", JoinComponents(path), "' points at the layer root"));
  }
  if (path == target) return absl::OkStatus();
  BERTH_ASSIGN_OR_RETURN(fs::ScopedFd target_parent, OpenParent(target, /*create=*/false));
  struct stat st;
  if (::fstatat(target_parent.get(), target.back().c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return TreeErrno(errno, absl::StrCat("hard link '", JoinComponents(path), "' to '",
                                         JoinComponents(target), "'"));
  }
  if (S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "hard link '", JoinComponents(path), "' to directory '", JoinComponents(target), "'"));
  }
  BERTH_ASSIGN_OR_RETURN(fs::ScopedFd parent, OpenParent(path, /*create=*/true));
  BERTH_RETURN_IF_ERROR(RemoveExisting(parent.get(), path.back(), false).status());
  // No AT_SYMLINK_FOLLOW: a link to a symlink links the symlink itself.
  if (::linkat(target_parent.get(), target.back().c_str(), parent.get(), path.back().c_str(),
               0) != 0) {
    return TreeErrno(errno, absl::StrCat("hard link '", JoinComponents(path), "'"));
  }
  return absl::OkStatus();
}

absl::Status TreeWriter::MakeWhiteout(const Components& path) {
  BERTH_ASSIGN_OR_RETURN(fs::ScopedFd parent, OpenParent(path, /*create=*/true));
  BERTH_RETURN_IF_ERROR(RemoveExisting(parent.get(), path.back(), false).status());
  if (::mknodat(parent.get(), path.back().c_str(), S_IFCHR | 0000, ::makedev(0, 0)) != 0) {
    return ErrnoToStatus(errno, absl::StrCat("whiteout '", JoinComponents(path), "'"));
  }
  return absl::OkStatus();
}

absl::Status TreeWriter::MarkOpaque(const Components& dir) {
  if (!dir.empty()) {
    BERTH_ASSIGN_OR_RETURN(fs::ScopedFd parent, OpenParent(dir, /*create=*/true));
    BERTH_ASSIGN_OR_RETURN(bool kept, RemoveExisting(parent.get(), dir.back(), true));
    if (!kept && ::mkdirat(parent.get(), dir.back().c_str(), 0755) != 0) {
      return TreeErrno(errno, absl::StrCat("mkdir '", JoinComponents(dir), "'"));
    }
  }
  BERTH_ASSIGN_OR_RETURN(fs::ScopedFd fd, OpenDir(dir));
  if (::fsetxattr(fd.get(), "trusted.overlay.opaque", "y", 1, 0) != 0) {
    return ErrnoToStatus(errno, absl::StrCat("mark '", JoinComponents(dir), "' opaque"));
  }
  return absl::OkStatus();
}

absl::Status TreeWriter::Finish() {
  // In archive order, so that a directory listed twice ends with its last record.
  for (auto it = deferred_dirs_.begin(); it != deferred_dirs_.end(); ++it) {
    auto fd = OpenDir(it->path);
    // A later entry may have replaced this directory; then its record is moot.
    if (!fd.ok()) continue;
    if (::fchmod(fd->get(), it->mode) != 0) {
      return TreeErrno(errno, absl::StrCat("chmod '", JoinComponents(it->path), "'"));
    }
    if (::futimens(fd->get(), it->times) != 0) {
      return TreeErrno(errno, absl::StrCat("utimens '", JoinComponents(it->path), "'"));
    }
  }
  deferred_dirs_.clear();
  return absl::OkStatus();
}

absl::Status TreeWriter::Sync() {
  if (::syncfs(root_.get()) != 0) return ErrnoToStatus(errno, "syncfs layer");
  return absl::OkStatus();
}

}  // namespace berth::imaged::layers
