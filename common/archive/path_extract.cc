// ExtractToContainerPath: a tar from the client written into a container.
//
// Each entry's parent is opened with openat2(RESOLVE_IN_ROOT) from the
// container's root, so symlinks already in the container (or created by an
// earlier entry of the same tar) are followed as the container would follow
// them, and never out of it; the entry itself is then created in that
// parent with *at calls that do not follow its last component.
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/archive/path_archive.h"
#include "common/status/status.h"

namespace berth::archive {
namespace {

struct ReadDeleter {
  void operator()(struct archive* a) const { archive_read_free(a); }
};

struct SourceState {
  const TarSource* source;
  std::string buffer;
  absl::Status failure;
};

la_ssize_t ReadCallback(struct archive* a, void* opaque, const void** buf) {
  auto* state = static_cast<SourceState*>(opaque);
  absl::StatusOr<std::string> chunk = (*state->source)();
  if (!chunk.ok()) {
    state->failure = chunk.status();
    archive_set_error(a, EIO, "%s", std::string(chunk.status().message()).c_str());
    return -1;
  }
  state->buffer = std::move(*chunk);
  *buf = state->buffer.data();
  return static_cast<la_ssize_t>(state->buffer.size());
}

// Entry name → components below the extraction dir; error if ".." leaves it.
absl::StatusOr<std::vector<std::string>> EntryComponents(const std::string& name) {
  std::vector<std::string> out;
  for (absl::string_view c : absl::StrSplit(name, '/', absl::SkipEmpty())) {
    if (c == ".") continue;
    if (c == "..") {
      if (out.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("invalid archive entry '", name, "': it leaves the extraction point"));
      }
      out.pop_back();
      continue;
    }
    out.emplace_back(c);
  }
  return out;
}

absl::Status RemoveAt(int dirfd, const std::string& name) {
  struct stat st;
  if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return errno == ENOENT ? absl::OkStatus() : ErrnoToStatus(errno, "stat " + name);
  }
  if (S_ISDIR(st.st_mode)) {
    fs::ScopedFd fd(::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd.valid()) return ErrnoToStatus(errno, "open " + name);
    DIR* dir = ::fdopendir(::dup(fd.get()));
    if (dir == nullptr) return ErrnoToStatus(errno, "opendir " + name);
    std::vector<std::string> children;
    while (struct dirent* d = ::readdir(dir)) {
      std::string n = d->d_name;
      if (n != "." && n != "..") children.push_back(n);
    }
    ::closedir(dir);
    for (const std::string& c : children) BERTH_RETURN_IF_ERROR(RemoveAt(fd.get(), c));
    if (::unlinkat(dirfd, name.c_str(), AT_REMOVEDIR) != 0) {
      return ErrnoToStatus(errno, "rmdir " + name);
    }
    return absl::OkStatus();
  }
  if (::unlinkat(dirfd, name.c_str(), 0) != 0) return ErrnoToStatus(errno, "unlink " + name);
  return absl::OkStatus();
}

class Extractor {
 public:
  Extractor(int root_fd, std::string dir, const ExtractOptions& options)
      : root_fd_(root_fd), dir_(std::move(dir)), options_(options) {}

  absl::Status Apply(struct archive* a, archive_entry* e) {
    std::string name = archive_entry_pathname(e) ? archive_entry_pathname(e) : "";
    BERTH_ASSIGN_OR_RETURN(std::vector<std::string> comps, EntryComponents(name));
    if (comps.empty()) return absl::OkStatus();  // "." or "/": the extraction dir itself
    mode_t type = archive_entry_filetype(e);
    if (type == AE_IFCHR || type == AE_IFBLK || type == AE_IFSOCK) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid archive entry '", name, "': device nodes are not allowed"));
    }
    std::string leaf = comps.back();
    comps.pop_back();
    BERTH_ASSIGN_OR_RETURN(fs::ScopedFd parent, OpenParent(comps));
    std::string rel = absl::StrCat(absl::StrJoin(comps, "/"), comps.empty() ? "" : "/", leaf);
    const char* hardlink = archive_entry_hardlink(e);

    struct stat old;
    bool exists = ::fstatat(parent.get(), leaf.c_str(), &old, AT_SYMLINK_NOFOLLOW) == 0;
    bool is_dir = type == AE_IFDIR && hardlink == nullptr;
    if (exists) {
      if (options_.no_overwrite_dir_non_dir && S_ISDIR(old.st_mode) && !is_dir) {
        return absl::InvalidArgumentError(absl::StrCat(
            "cannot overwrite directory \"", Abs(rel), "\" with non-directory \"", name, "\""));
      }
      if (options_.no_overwrite_dir_non_dir && !S_ISDIR(old.st_mode) && is_dir) {
        return absl::InvalidArgumentError(absl::StrCat(
            "cannot overwrite non-directory \"", Abs(rel), "\" with directory \"", name, "\""));
      }
      if (!(is_dir && S_ISDIR(old.st_mode))) BERTH_RETURN_IF_ERROR(RemoveAt(parent.get(), leaf));
    }
    const char* at = leaf.c_str();
    if (hardlink != nullptr) {
      BERTH_ASSIGN_OR_RETURN(std::vector<std::string> target, EntryComponents(hardlink));
      BERTH_ASSIGN_OR_RETURN(fs::ScopedFd t, OpenInRoot(root_fd_, Below(target), O_PATH | O_NOFOLLOW));
      struct stat ts;
      if (::fstat(t.get(), &ts) != 0 || S_ISDIR(ts.st_mode)) {
        return absl::InvalidArgumentError(
            absl::StrCat("invalid hard link '", name, "' to '", hardlink, "'"));
      }
      if (::linkat(t.get(), "", parent.get(), at, AT_EMPTY_PATH) != 0) {
        return ErrnoToStatus(errno, absl::StrCat("link '", name, "'"));
      }
      return absl::OkStatus();
    }
    mode_t perm = archive_entry_perm(e) & 07777;
    switch (type) {
      case AE_IFDIR:
        if (!(exists && S_ISDIR(old.st_mode)) && ::mkdirat(parent.get(), at, 0700) != 0) {
          return ErrnoToStatus(errno, absl::StrCat("mkdir '", name, "'"));
        }
        // Mode and times at the end: later entries are still written into it.
        dirs_.push_back({Below(comps) + "/" + leaf, perm, archive_entry_mtime(e),
                         archive_entry_mtime_nsec(e)});
        return Own(parent.get(), at, e, name);
      case AE_IFLNK:
        if (::symlinkat(archive_entry_symlink(e), parent.get(), at) != 0) {
          return ErrnoToStatus(errno, absl::StrCat("symlink '", name, "'"));
        }
        BERTH_RETURN_IF_ERROR(Own(parent.get(), at, e, name));
        return Times(parent.get(), at, e);
      case AE_IFIFO:
        if (::mkfifoat(parent.get(), at, perm) != 0) {
          return ErrnoToStatus(errno, absl::StrCat("mkfifo '", name, "'"));
        }
        break;
      case AE_IFREG: {
        fs::ScopedFd fd(::openat(parent.get(), at,
                                 O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (!fd.valid()) return ErrnoToStatus(errno, absl::StrCat("create '", name, "'"));
        const void* buf;
        size_t size;
        la_int64_t offset;
        for (;;) {
          int r = archive_read_data_block(a, &buf, &size, &offset);
          if (r == ARCHIVE_EOF) break;
          if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
            return absl::InvalidArgumentError(
                absl::StrCat("read '", name, "' from the archive: ", archive_error_string(a)));
          }
          const char* p = static_cast<const char*>(buf);
          while (size > 0) {
            ssize_t n = ::pwrite(fd.get(), p, size, offset);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return ErrnoToStatus(errno, absl::StrCat("write '", name, "'"));
            p += n;
            offset += n;
            size -= static_cast<size_t>(n);
          }
        }
        if (::ftruncate(fd.get(), archive_entry_size(e)) != 0) {
          return ErrnoToStatus(errno, absl::StrCat("truncate '", name, "'"));
        }
        break;
      }
      default:
        return absl::InvalidArgumentError(
            absl::StrCat("invalid archive entry '", name, "': unsupported type"));
    }
    BERTH_RETURN_IF_ERROR(Own(parent.get(), at, e, name));
    // After chown, which clears setuid/setgid.
    if (::fchmodat(parent.get(), at, perm, 0) != 0) {
      return ErrnoToStatus(errno, absl::StrCat("chmod '", name, "'"));
    }
    return Times(parent.get(), at, e);
  }

  // Directory modes and times, deepest first so a parent's mtime stays.
  absl::Status Finish() {
    for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) {
      BERTH_ASSIGN_OR_RETURN(fs::ScopedFd fd, OpenInRoot(root_fd_, it->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
      if (::fchmod(fd.get(), it->mode) != 0) return ErrnoToStatus(errno, "chmod " + it->path);
      struct timespec times[2] = {{0, UTIME_OMIT}, {it->mtime, it->mtime_nsec}};
      if (::futimens(fd.get(), times) != 0) return ErrnoToStatus(errno, "utimes " + it->path);
    }
    return absl::OkStatus();
  }

 private:
  struct Dir {
    std::string path;
    mode_t mode;
    time_t mtime;
    long mtime_nsec;
  };

  std::string Below(const std::vector<std::string>& comps) const {
    return comps.empty() ? dir_ : absl::StrCat(dir_, "/", absl::StrJoin(comps, "/"));
  }
  std::string Abs(const std::string& rel) const { return absl::StrCat(dir_ == "/" ? "" : dir_, "/", rel); }

  // The parent directory of an entry, made (0755, root's) when missing.
  absl::StatusOr<fs::ScopedFd> OpenParent(const std::vector<std::string>& comps) {
    absl::StatusOr<fs::ScopedFd> fd = OpenInRoot(root_fd_, Below(comps), O_PATH | O_DIRECTORY);
    if (fd.ok() || !absl::IsNotFound(fd.status()) || comps.empty()) return fd;
    std::vector<std::string> up(comps.begin(), comps.end() - 1);
    BERTH_ASSIGN_OR_RETURN(fs::ScopedFd parent, OpenParent(up));
    if (::mkdirat(parent.get(), comps.back().c_str(), 0755) != 0 && errno != EEXIST) {
      return ErrnoToStatus(errno, absl::StrCat("mkdir '", Below(comps), "'"));
    }
    return OpenInRoot(root_fd_, Below(comps), O_PATH | O_DIRECTORY);
  }

  absl::Status Own(int dirfd, const char* at, archive_entry* e, const std::string& name) {
    if (::geteuid() != 0) return absl::OkStatus();  // cannot give files away (unit tests)
    uid_t uid = options_.copy_uid_gid ? static_cast<uid_t>(archive_entry_uid(e)) : 0;
    gid_t gid = options_.copy_uid_gid ? static_cast<gid_t>(archive_entry_gid(e)) : 0;
    if (::fchownat(dirfd, at, uid, gid, AT_SYMLINK_NOFOLLOW) != 0) {
      return ErrnoToStatus(errno, absl::StrCat("chown '", name, "'"));
    }
    return absl::OkStatus();
  }

  absl::Status Times(int dirfd, const char* at, archive_entry* e) {
    struct timespec times[2] = {{0, UTIME_OMIT},
                                {archive_entry_mtime(e), archive_entry_mtime_nsec(e)}};
    if (::utimensat(dirfd, at, times, AT_SYMLINK_NOFOLLOW) != 0) {
      return ErrnoToStatus(errno, "set times");
    }
    return absl::OkStatus();
  }

  int root_fd_;
  std::string dir_;
  ExtractOptions options_;
  std::vector<Dir> dirs_;
};

}  // namespace

absl::Status ExtractToContainerPath(int root_fd, const std::string& dir,
                                    const ExtractOptions& options, const TarSource& source) {
  std::string clean = CleanContainerPath(dir);
  absl::StatusOr<fs::ScopedFd> dest = OpenInRoot(root_fd, clean, O_PATH);
  if (!dest.ok()) {
    if (absl::IsNotFound(dest.status())) {
      return absl::NotFoundError(absl::StrCat("Could not find the file ", dir));
    }
    return dest.status();
  }
  struct stat st;
  if (::fstat(dest->get(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError("extraction point is not a directory");
  }
  std::unique_ptr<struct archive, ReadDeleter> a(archive_read_new());
  archive_read_support_format_tar(a.get());
  archive_read_support_filter_gzip(a.get());
  SourceState state{&source, "", absl::OkStatus()};
  if (archive_read_open(a.get(), &state, nullptr, ReadCallback, nullptr) != ARCHIVE_OK) {
    if (!state.failure.ok()) return state.failure;
    return absl::InvalidArgumentError(absl::StrCat("read archive: ", archive_error_string(a.get())));
  }
  Extractor extractor(root_fd, clean, options);
  for (;;) {
    archive_entry* e = nullptr;
    int r = archive_read_next_header(a.get(), &e);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
      if (!state.failure.ok()) return state.failure;
      return absl::InvalidArgumentError(
          absl::StrCat("read archive: ", archive_error_string(a.get())));
    }
    BERTH_RETURN_IF_ERROR(extractor.Apply(a.get(), e));
  }
  return extractor.Finish();
}

}  // namespace berth::archive
