#include "services/imaged/layers/diff_writer.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/fs/fs.h"
#include "common/status/status.h"
#include "services/imaged/layers/overlay_entries.h"

namespace berth::imaged::layers {
namespace {

struct ArchiveDeleter {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct EntryDeleter {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

struct SinkState {
  const TarSink* sink;
  absl::Status failure;
};

la_ssize_t WriteCallback(archive* a, void* opaque, const void* buf, size_t size) {
  auto* state = static_cast<SinkState*>(opaque);
  absl::Status status = (*state->sink)(buf, size);
  if (!status.ok()) {
    state->failure = status;
    archive_set_error(a, EIO, "%s", std::string(status.message()).c_str());
    return -1;
  }
  return static_cast<la_ssize_t>(size);
}

class DiffWalker {
 public:
  DiffWalker(archive* a, SinkState& state) : a_(a), state_(state) {}

  absl::Status Walk(int dirfd, const std::string& prefix) {
    BERTH_ASSIGN_OR_RETURN(std::vector<std::string> names, ListSorted(dirfd));
    for (const std::string& name : names) {
      std::string path = prefix.empty() ? name : absl::StrCat(prefix, "/", name);
      struct stat st;
      if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        return ErrnoToStatus(errno, absl::StrCat("stat '", path, "'"));
      }
      if (IsOverlayWhiteout(st)) {
        std::string parent = prefix.empty() ? "" : prefix + "/";
        BERTH_RETURN_IF_ERROR(WriteEmptyFile(absl::StrCat(parent, ".wh.", name), st));
        ++stats_.whiteouts;
        continue;
      }
      if (S_ISDIR(st.st_mode)) {
        fs::ScopedFd child(
            ::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!child.valid()) return ErrnoToStatus(errno, absl::StrCat("open '", path, "'"));
        BERTH_RETURN_IF_ERROR(WriteHeader(path, st, AE_IFDIR, ""));
        if (IsOverlayOpaque(child.get())) {
          BERTH_RETURN_IF_ERROR(WriteEmptyFile(absl::StrCat(path, "/.wh..wh..opq"), st));
          ++stats_.whiteouts;
        }
        BERTH_RETURN_IF_ERROR(Walk(child.get(), path));
        continue;
      }
      if (S_ISLNK(st.st_mode)) {
        std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
        ssize_t n = ::readlinkat(dirfd, name.c_str(), target.data(), target.size());
        if (n < 0) return ErrnoToStatus(errno, absl::StrCat("readlink '", path, "'"));
        target.resize(static_cast<size_t>(n));
        BERTH_RETURN_IF_ERROR(WriteHeader(path, st, AE_IFLNK, target));
        continue;
      }
      if (S_ISFIFO(st.st_mode)) {
        BERTH_RETURN_IF_ERROR(WriteHeader(path, st, AE_IFIFO, ""));
        continue;
      }
      if (!S_ISREG(st.st_mode)) {
        ++stats_.skipped;
        continue;
      }
      BERTH_RETURN_IF_ERROR(WriteRegular(dirfd, name, path, st));
    }
    return absl::OkStatus();
  }

  const DiffStats& stats() const { return stats_; }

 private:
  absl::StatusOr<std::vector<std::string>> ListSorted(int dirfd) {
    int dup = ::fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
    if (dup < 0) return ErrnoToStatus(errno, "dup dir fd");
    DIR* dir = ::fdopendir(dup);
    if (dir == nullptr) {
      int err = errno;
      ::close(dup);
      return ErrnoToStatus(err, "opendir");
    }
    std::vector<std::string> names;
    while (struct dirent* e = ::readdir(dir)) {
      std::string name = e->d_name;
      if (name != "." && name != "..") names.push_back(std::move(name));
    }
    ::closedir(dir);
    std::sort(names.begin(), names.end());
    return names;
  }

  std::unique_ptr<archive_entry, EntryDeleter> NewEntry(const std::string& path,
                                                        const struct stat& st, unsigned type) {
    std::unique_ptr<archive_entry, EntryDeleter> e(archive_entry_new());
    archive_entry_set_pathname(e.get(), path.c_str());
    archive_entry_set_filetype(e.get(), type);
    archive_entry_set_perm(e.get(), st.st_mode & 07777);
    archive_entry_set_uid(e.get(), st.st_uid);
    archive_entry_set_gid(e.get(), st.st_gid);
    archive_entry_set_mtime(e.get(), st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    return e;
  }

  absl::Status Check(int r, const std::string& path) {
    if (r == ARCHIVE_OK || r == ARCHIVE_WARN) return absl::OkStatus();
    if (!state_.failure.ok()) return state_.failure;
    return absl::InternalError(
        absl::StrCat("write tar entry '", path, "': ", archive_error_string(a_)));
  }

  absl::Status WriteHeader(const std::string& path, const struct stat& st, unsigned type,
                           const std::string& symlink) {
    auto e = NewEntry(path, st, type);
    if (type == AE_IFLNK) archive_entry_set_symlink(e.get(), symlink.c_str());
    ++stats_.entries;
    return Check(archive_write_header(a_, e.get()), path);
  }

  // A whiteout marker: an empty regular file, owned like the thing it hides.
  absl::Status WriteEmptyFile(const std::string& path, const struct stat& st) {
    auto e = NewEntry(path, st, AE_IFREG);
    archive_entry_set_perm(e.get(), 0644);
    archive_entry_set_size(e.get(), 0);
    ++stats_.entries;
    return Check(archive_write_header(a_, e.get()), path);
  }

  absl::Status WriteRegular(int dirfd, const std::string& name, const std::string& path,
                            const struct stat& st) {
    auto e = NewEntry(path, st, AE_IFREG);
    if (st.st_nlink > 1) {
      auto key = std::make_pair(st.st_dev, st.st_ino);
      auto first = links_.find(key);
      if (first != links_.end()) {
        archive_entry_set_hardlink(e.get(), first->second.c_str());
        archive_entry_set_size(e.get(), 0);
        ++stats_.entries;
        return Check(archive_write_header(a_, e.get()), path);
      }
      links_[key] = path;
    }
    fs::ScopedFd fd(::openat(dirfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd.valid()) return ErrnoToStatus(errno, absl::StrCat("open '", path, "'"));
    archive_entry_set_size(e.get(), st.st_size);
    ++stats_.entries;
    BERTH_RETURN_IF_ERROR(Check(archive_write_header(a_, e.get()), path));
    char buf[64 * 1024];
    int64_t left = st.st_size;
    while (left > 0) {
      ssize_t n = ::read(fd.get(), buf, std::min<int64_t>(left, sizeof(buf)));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return ErrnoToStatus(errno, absl::StrCat("read '", path, "'"));
      if (n == 0) {
        return absl::FailedPreconditionError(absl::StrCat("'", path, "' shrank while committing"));
      }
      if (archive_write_data(a_, buf, static_cast<size_t>(n)) < 0) {
        return Check(ARCHIVE_FATAL, path);
      }
      left -= n;
    }
    return absl::OkStatus();
  }

  archive* a_;
  SinkState& state_;
  DiffStats stats_;
  std::map<std::pair<dev_t, ino_t>, std::string> links_;
};

}  // namespace

absl::StatusOr<DiffStats> WriteLayerDiff(const std::string& upper_dir, const TarSink& sink) {
  fs::ScopedFd root(::open(upper_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) return ErrnoToStatus(errno, absl::StrCat("open '", upper_dir, "'"));
  std::unique_ptr<archive, ArchiveDeleter> a(archive_write_new());
  // PAX: long names, large files and sub-second mtimes, as Docker writes them.
  archive_write_set_format_pax_restricted(a.get());
  archive_write_set_bytes_per_block(a.get(), 0);  // no padding to 10 KiB blocks
  SinkState state{&sink, absl::OkStatus()};
  if (archive_write_open(a.get(), &state, nullptr, WriteCallback, nullptr) != ARCHIVE_OK) {
    return absl::InternalError(absl::StrCat("open tar writer: ", archive_error_string(a.get())));
  }
  DiffWalker walker(a.get(), state);
  BERTH_RETURN_IF_ERROR(walker.Walk(root.get(), ""));
  if (archive_write_close(a.get()) != ARCHIVE_OK) {
    if (!state.failure.ok()) return state.failure;
    return absl::InternalError(absl::StrCat("close tar writer: ", archive_error_string(a.get())));
  }
  return walker.stats();
}

}  // namespace berth::imaged::layers
