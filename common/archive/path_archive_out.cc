// ArchiveContainerPath: the tar a container path is read into.
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/archive/path_archive.h"
#include "common/status/status.h"

namespace berth::archive {
namespace {

struct ArchiveDeleter {
  void operator()(struct archive* a) const { archive_write_free(a); }
};
struct EntryDeleter {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

class TarWriter {
 public:
  explicit TarWriter(const TarSink& sink) : sink_(sink), a_(archive_write_new()) {}

  absl::Status Open() {
    // PAX: long names, large files and sub-second mtimes.
    archive_write_set_format_pax_restricted(a_.get());
    archive_write_set_bytes_per_block(a_.get(), 0);
    if (archive_write_open(a_.get(), this, nullptr, &TarWriter::Write, nullptr) != ARCHIVE_OK) {
      return absl::InternalError(absl::StrCat("open tar writer: ", archive_error_string(a_.get())));
    }
    return absl::OkStatus();
  }

  // Writes the entry `name` of `dirfd` (or `dirfd` itself when name is ""),
  // and for a directory everything below it, as `tar_name`.
  absl::Status Add(int dirfd, const std::string& name, const std::string& tar_name) {
    struct stat st;
    int r = name.empty() ? ::fstatat(dirfd, "", &st, AT_EMPTY_PATH)
                         : ::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW);
    if (r != 0) {
      if (errno == ENOENT) return absl::OkStatus();  // gone while copying
      return ErrnoToStatus(errno, absl::StrCat("stat '", tar_name, "'"));
    }
    std::unique_ptr<archive_entry, EntryDeleter> e(archive_entry_new());
    archive_entry_set_pathname(e.get(), tar_name.c_str());
    archive_entry_set_perm(e.get(), st.st_mode & 07777);
    archive_entry_set_uid(e.get(), st.st_uid);
    archive_entry_set_gid(e.get(), st.st_gid);
    archive_entry_set_mtime(e.get(), st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    const char* at = name.empty() ? "" : name.c_str();
    int empty = name.empty() ? AT_EMPTY_PATH : 0;
    if (S_ISDIR(st.st_mode)) {
      fs::ScopedFd dir(::openat(dirfd, name.empty() ? "." : at,
                                O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!dir.valid()) return ErrnoToStatus(errno, absl::StrCat("open '", tar_name, "'"));
      archive_entry_set_filetype(e.get(), AE_IFDIR);
      BERTH_RETURN_IF_ERROR(Check(archive_write_header(a_.get(), e.get()), tar_name));
      BERTH_ASSIGN_OR_RETURN(std::vector<std::string> names, ListSorted(dir.get()));
      for (const std::string& child : names) {
        BERTH_RETURN_IF_ERROR(Add(dir.get(), child, absl::StrCat(tar_name, "/", child)));
      }
      return absl::OkStatus();
    }
    if (S_ISLNK(st.st_mode)) {
      std::string target(PATH_MAX, '\0');
      ssize_t n = ::readlinkat(dirfd, at, target.data(), target.size());
      if (n < 0) return ErrnoToStatus(errno, absl::StrCat("readlink '", tar_name, "'"));
      target.resize(static_cast<size_t>(n));
      archive_entry_set_filetype(e.get(), AE_IFLNK);
      archive_entry_set_symlink(e.get(), target.c_str());
      return Check(archive_write_header(a_.get(), e.get()), tar_name);
    }
    if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
      archive_entry_set_filetype(e.get(), st.st_mode & S_IFMT);
      archive_entry_set_rdev(e.get(), st.st_rdev);
      return Check(archive_write_header(a_.get(), e.get()), tar_name);
    }
    if (!S_ISREG(st.st_mode)) return absl::OkStatus();  // sockets
    (void)empty;
    archive_entry_set_filetype(e.get(), AE_IFREG);
    if (st.st_nlink > 1) {
      auto key = std::make_pair(st.st_dev, st.st_ino);
      auto first = links_.find(key);
      if (first != links_.end()) {
        archive_entry_set_hardlink(e.get(), first->second.c_str());
        archive_entry_set_size(e.get(), 0);
        return Check(archive_write_header(a_.get(), e.get()), tar_name);
      }
      links_[key] = tar_name;
    }
    // Reopened by name without following: a file swapped for a symlink after
    // the fstatat fails here instead of being read through.
    fs::ScopedFd fd(name.empty() ? ::openat(dirfd, ".", O_RDONLY | O_CLOEXEC)
                                 : ::openat(dirfd, at, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (name.empty()) {
      char self[64];
      snprintf(self, sizeof(self), "/proc/self/fd/%d", dirfd);
      fd.reset(::open(self, O_RDONLY | O_CLOEXEC));
    }
    if (!fd.valid()) return ErrnoToStatus(errno, absl::StrCat("open '", tar_name, "'"));
    struct stat now;
    if (::fstat(fd.get(), &now) != 0 || !S_ISREG(now.st_mode)) {
      return absl::FailedPreconditionError(absl::StrCat("'", tar_name, "' changed while copying"));
    }
    archive_entry_set_size(e.get(), now.st_size);
    BERTH_RETURN_IF_ERROR(Check(archive_write_header(a_.get(), e.get()), tar_name));
    char buf[64 * 1024];
    int64_t left = now.st_size;
    while (left > 0) {
      ssize_t n = ::read(fd.get(), buf, std::min<int64_t>(left, sizeof(buf)));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return ErrnoToStatus(errno, absl::StrCat("read '", tar_name, "'"));
      if (n == 0) break;  // shrank: libarchive pads the entry with zeros
      if (archive_write_data(a_.get(), buf, static_cast<size_t>(n)) < 0) {
        return Check(ARCHIVE_FATAL, tar_name);
      }
      left -= n;
    }
    return absl::OkStatus();
  }

  absl::Status Close() {
    if (archive_write_close(a_.get()) != ARCHIVE_OK) return Check(ARCHIVE_FATAL, "end of tar");
    return absl::OkStatus();
  }

 private:
  static la_ssize_t Write(struct archive* a, void* self, const void* buf, size_t size) {
    auto* w = static_cast<TarWriter*>(self);
    absl::Status s = w->sink_(buf, size);
    if (!s.ok()) {
      w->failure_ = s;
      archive_set_error(a, EIO, "%s", std::string(s.message()).c_str());
      return -1;
    }
    return static_cast<la_ssize_t>(size);
  }

  absl::Status Check(int r, const std::string& what) {
    if (r == ARCHIVE_OK || r == ARCHIVE_WARN) return absl::OkStatus();
    if (!failure_.ok()) return failure_;
    return absl::InternalError(
        absl::StrCat("write tar entry '", what, "': ", archive_error_string(a_.get())));
  }

  static absl::StatusOr<std::vector<std::string>> ListSorted(int dirfd) {
    int dup = ::openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dup < 0) return ErrnoToStatus(errno, "open dir");
    DIR* dir = ::fdopendir(dup);
    if (dir == nullptr) {
      ::close(dup);
      return ErrnoToStatus(errno, "opendir");
    }
    std::vector<std::string> names;
    while (struct dirent* d = ::readdir(dir)) {
      std::string n = d->d_name;
      if (n != "." && n != "..") names.push_back(std::move(n));
    }
    ::closedir(dir);
    std::sort(names.begin(), names.end());
    return names;
  }

  const TarSink& sink_;
  std::unique_ptr<struct archive, ArchiveDeleter> a_;
  absl::Status failure_;
  std::map<std::pair<dev_t, ino_t>, std::string> links_;
};

}  // namespace

absl::Status ArchiveContainerPath(int root_fd, const std::string& path, const TarSink& sink) {
  BERTH_ASSIGN_OR_RETURN(ResolvedPath resolved, ResolveContainerPath(root_fd, path));
  if (!resolved.entry.empty()) {
    struct stat st;
    if (::fstatat(resolved.parent.get(), resolved.entry.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) return absl::NotFoundError(absl::StrCat("Could not find the file ", path));
      return ErrnoToStatus(errno, absl::StrCat("stat '", path, "'"));
    }
  }
  std::string tar_name = resolved.base_name == "/" ? "." : resolved.base_name;
  // The O_PATH fd of a followed path cannot be read from; reopen it for reading.
  fs::ScopedFd parent = std::move(resolved.parent);
  if (resolved.entry.empty()) {
    struct stat st;
    if (::fstat(parent.get(), &st) == 0 && S_ISDIR(st.st_mode)) {
      BERTH_ASSIGN_OR_RETURN(parent, OpenInRoot(root_fd, resolved.clean_path,
                                                O_RDONLY | O_DIRECTORY));
    }
  }
  TarWriter writer(sink);
  BERTH_RETURN_IF_ERROR(writer.Open());
  BERTH_RETURN_IF_ERROR(writer.Add(parent.get(), resolved.entry, tar_name));
  return writer.Close();
}

}  // namespace berth::archive
