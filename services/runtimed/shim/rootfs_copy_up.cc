#include "services/runtimed/shim/rootfs_copy_up.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/fs/fs.h"
#include "common/status/status.h"
#include "services/runtimed/shim/rootfs_apply.h"

namespace berth::runtimed::shim {
namespace {

constexpr int kMaxDepth = 128;

// The names in the directory open as `dir_fd` (a real directory fd).
absl::StatusOr<std::vector<std::string>> ListDir(int dir_fd, const std::string& what) {
  int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoToStatus(errno, absl::StrCat("open '", what, "'"));
  DIR* dir = fdopendir(fd);
  if (dir == nullptr) {
    close(fd);
    return ErrnoToStatus(errno, absl::StrCat("read '", what, "'"));
  }
  std::vector<std::string> names;
  while (dirent* e = readdir(dir)) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    names.emplace_back(e->d_name);
  }
  closedir(dir);
  return names;
}

// Owner, mode and times of `st` onto the entry `name` in `dir` (or `fd`).
void CopyAttributes(int fd, const struct stat& st) {
  (void)fchown(fd, st.st_uid, st.st_gid);
  (void)fchmod(fd, st.st_mode & 07777);
  timespec times[2] = {st.st_atim, st.st_mtim};
  (void)futimens(fd, times);
}

absl::Status CopyFile(int src_dir, int dst_dir, const std::string& name, const struct stat& st,
                      const std::string& what) {
  fs::ScopedFd in(openat(src_dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!in.valid()) return ErrnoToStatus(errno, absl::StrCat("open '", what, "'"));
  fs::ScopedFd out(openat(dst_dir, name.c_str(),
                          O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!out.valid()) return ErrnoToStatus(errno, absl::StrCat("create '", what, "' in the volume"));
  char buf[65536];
  for (;;) {
    ssize_t n = read(in.get(), buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoToStatus(errno, absl::StrCat("read '", what, "'"));
    if (n == 0) break;
    for (ssize_t off = 0; off < n;) {
      ssize_t w = write(out.get(), buf + off, n - off);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return ErrnoToStatus(errno, absl::StrCat("write '", what, "' to the volume"));
      off += w;
    }
  }
  CopyAttributes(out.get(), st);
  return absl::OkStatus();
}

absl::Status CopyTree(int src_dir, int dst_dir, const std::string& what, int depth) {
  if (depth > kMaxDepth) {
    return absl::FailedPreconditionError(
        absl::StrCat("'", what, "' is nested too deep to copy into a volume"));
  }
  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> names, ListDir(src_dir, what));
  for (const std::string& name : names) {
    std::string path = absl::StrCat(what, "/", name);
    struct stat st{};
    if (fstatat(src_dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      return ErrnoToStatus(errno, absl::StrCat("stat '", path, "'"));
    }
    if (S_ISDIR(st.st_mode)) {
      if (mkdirat(dst_dir, name.c_str(), 0700) != 0) {
        return ErrnoToStatus(errno, absl::StrCat("mkdir '", path, "' in the volume"));
      }
      fs::ScopedFd src(openat(src_dir, name.c_str(),
                              O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      fs::ScopedFd dst(openat(dst_dir, name.c_str(),
                              O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!src.valid() || !dst.valid()) {
        return ErrnoToStatus(errno, absl::StrCat("open '", path, "'"));
      }
      BERTH_RETURN_IF_ERROR(CopyTree(src.get(), dst.get(), path, depth + 1));
      CopyAttributes(dst.get(), st);
    } else if (S_ISREG(st.st_mode)) {
      BERTH_RETURN_IF_ERROR(CopyFile(src_dir, dst_dir, name, st, path));
    } else if (S_ISLNK(st.st_mode)) {
      std::vector<char> target(static_cast<size_t>(st.st_size) + 1);
      ssize_t n = readlinkat(src_dir, name.c_str(), target.data(), target.size());
      if (n < 0) return ErrnoToStatus(errno, absl::StrCat("readlink '", path, "'"));
      std::string link(target.data(), static_cast<size_t>(n));
      if (symlinkat(link.c_str(), dst_dir, name.c_str()) != 0) {
        return ErrnoToStatus(errno, absl::StrCat("symlink '", path, "' in the volume"));
      }
      (void)fchownat(dst_dir, name.c_str(), st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW);
    } else {
      // Device nodes, fifos and sockets: recreated as they are.
      if (mknodat(dst_dir, name.c_str(), st.st_mode, st.st_rdev) != 0) {
        return ErrnoToStatus(errno, absl::StrCat("mknod '", path, "' in the volume"));
      }
      (void)fchownat(dst_dir, name.c_str(), st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW);
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CopyUpIfEmpty(int root_fd, const std::string& path, const std::string& volume_dir) {
  fs::ScopedFd volume(open(volume_dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!volume.valid()) return ErrnoToStatus(errno, absl::StrCat("open volume '", volume_dir, "'"));
  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> existing, ListDir(volume.get(), volume_dir));
  if (!existing.empty()) return absl::OkStatus();
  absl::StatusOr<fs::ScopedFd> source_path = OpenInRoot(root_fd, path, false);
  if (absl::IsNotFound(source_path.status())) return absl::OkStatus();
  // A symlink on the way is refused by the mount that follows, with the
  // same words; nothing is copied through it.
  if (!source_path.ok()) return absl::OkStatus();
  struct stat st{};
  if (fstat(source_path->get(), &st) != 0 || !S_ISDIR(st.st_mode)) return absl::OkStatus();
  fs::ScopedFd source(openat(source_path->get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!source.valid()) return ErrnoToStatus(errno, absl::StrCat("open '", path, "'"));
  BERTH_RETURN_IF_ERROR(Annotate(CopyTree(source.get(), volume.get(), path, 0),
                                 absl::StrCat("copy '", path, "' into its volume")));
  CopyAttributes(volume.get(), st);
  return absl::OkStatus();
}

}  // namespace berth::runtimed::shim
