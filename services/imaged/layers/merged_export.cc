#include "services/imaged/layers/merged_export.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/fs/fs.h"
#include "common/status/status.h"
#include "services/imaged/layers/overlay_entries.h"

namespace berth::imaged::layers {
namespace {

struct ArchiveDeleter {
  void operator()(archive* a) const { archive_write_free(a); }
};

class Exporter {
 public:
  Exporter(std::vector<fs::ScopedFd> layers, const TarSink& sink)
      : layers_(std::move(layers)), sink_(sink), a_(archive_write_new()) {
    archive_write_set_format_pax_restricted(a_.get());
    archive_write_set_bytes_per_block(a_.get(), 0);
    archive_write_open(a_.get(), this, nullptr, &Exporter::Write, nullptr);
  }

  absl::Status Export(const std::string& path) {
    std::vector<std::string> comps;
    for (absl::string_view c : absl::StrSplit(path, '/', absl::SkipEmpty())) {
      if (c == "." ) continue;
      if (c == "..") return absl::InvalidArgumentError(absl::StrCat("path '", path, "' leaves the image"));
      comps.emplace_back(c);
    }
    // The topmost layer holding the path, unless an upper layer deletes it
    // or makes one of its parents opaque above it.
    for (size_t i = 0; i < layers_.size(); ++i) {
      if (comps.empty()) return ExportDir(comps, "", i);
      std::vector<std::string> parent(comps.begin(), comps.end() - 1);
      fs::ScopedFd dir = OpenDirBeneath(layers_[i].get(), parent);
      if (!dir.valid()) continue;
      struct stat st;
      if (::fstatat(dir.get(), comps.back().c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
        if (IsOverlayWhiteout(st)) break;
        std::string rel = absl::StrJoin(comps, "/");
        if (S_ISDIR(st.st_mode)) {
          BERTH_RETURN_IF_ERROR(WriteEntry(dir.get(), comps.back(), rel, st));
          return ExportDir(comps, rel, i);
        }
        return WriteEntry(dir.get(), comps.back(), rel, st);
      }
      if (IsOverlayOpaque(dir.get())) break;
    }
    return absl::NotFoundError(absl::StrCat("stat ", path, ": file does not exist"));
  }

  absl::Status Close() {
    if (archive_write_close(a_.get()) != ARCHIVE_OK) {
      return failure_.ok() ? absl::InternalError("close export tar") : failure_;
    }
    return absl::OkStatus();
  }

 private:
  static la_ssize_t Write(archive*, void* self, const void* buf, size_t size) {
    auto* e = static_cast<Exporter*>(self);
    absl::Status s = e->sink_(buf, size);
    if (!s.ok()) {
      e->failure_ = s;
      return -1;
    }
    return static_cast<la_ssize_t>(size);
  }

  // Merges directory `comps` from layer `first` downwards.
  absl::Status ExportDir(const std::vector<std::string>& comps, const std::string& rel,
                         size_t first) {
    struct Pick {
      size_t layer;
      struct stat st;
    };
    std::map<std::string, std::optional<Pick>> names;  // nullopt = deleted
    for (size_t i = first; i < layers_.size(); ++i) {
      fs::ScopedFd dir = OpenDirBeneath(layers_[i].get(), comps);
      if (!dir.valid()) {
        // A non-directory here shadows every lower layer.
        if (!comps.empty()) {
          std::vector<std::string> parent(comps.begin(), comps.end() - 1);
          fs::ScopedFd p = OpenDirBeneath(layers_[i].get(), parent);
          struct stat st;
          if (p.valid() && ::fstatat(p.get(), comps.back().c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) break;
        }
        continue;
      }
      DIR* d = ::fdopendir(::fcntl(dir.get(), F_DUPFD_CLOEXEC, 0));
      if (d == nullptr) return ErrnoToStatus(errno, absl::StrCat("list '", rel, "'"));
      while (struct dirent* e = ::readdir(d)) {
        std::string name = e->d_name;
        if (name == "." || name == ".." || names.count(name) != 0) continue;
        struct stat st;
        if (::fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
        names[name] = IsOverlayWhiteout(st) ? std::nullopt : std::optional<Pick>(Pick{i, st});
      }
      ::closedir(d);
      if (IsOverlayOpaque(dir.get())) break;
    }
    for (const auto& [name, pick] : names) {
      if (!pick.has_value()) continue;
      std::vector<std::string> child = comps;
      child.push_back(name);
      std::string child_rel = rel.empty() ? name : absl::StrCat(rel, "/", name);
      fs::ScopedFd dir = OpenDirBeneath(layers_[pick->layer].get(), comps);
      BERTH_RETURN_IF_ERROR(WriteEntry(dir.get(), name, child_rel, pick->st));
      if (S_ISDIR(pick->st.st_mode)) {
        BERTH_RETURN_IF_ERROR(ExportDir(child, child_rel, pick->layer));
      }
    }
    return absl::OkStatus();
  }

  absl::Status WriteEntry(int dirfd, const std::string& name, const std::string& rel,
                          const struct stat& st) {
    std::unique_ptr<archive_entry, void (*)(archive_entry*)> e(archive_entry_new(),
                                                               archive_entry_free);
    archive_entry_set_pathname(e.get(), rel.c_str());
    archive_entry_set_perm(e.get(), st.st_mode & 07777);
    archive_entry_set_uid(e.get(), st.st_uid);
    archive_entry_set_gid(e.get(), st.st_gid);
    archive_entry_set_mtime(e.get(), st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    fs::ScopedFd file;
    if (S_ISDIR(st.st_mode)) {
      archive_entry_set_filetype(e.get(), AE_IFDIR);
    } else if (S_ISLNK(st.st_mode)) {
      std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
      ssize_t n = ::readlinkat(dirfd, name.c_str(), target.data(), target.size());
      if (n < 0) return ErrnoToStatus(errno, absl::StrCat("readlink '", rel, "'"));
      target.resize(static_cast<size_t>(n));
      archive_entry_set_filetype(e.get(), AE_IFLNK);
      archive_entry_set_symlink(e.get(), target.c_str());
    } else if (S_ISREG(st.st_mode)) {
      file.reset(::openat(dirfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
      if (!file.valid()) return ErrnoToStatus(errno, absl::StrCat("open '", rel, "'"));
      archive_entry_set_filetype(e.get(), AE_IFREG);
      archive_entry_set_size(e.get(), st.st_size);
    } else {
      return absl::OkStatus();  // devices, fifos, sockets: nothing to copy
    }
    if (archive_write_header(a_.get(), e.get()) != ARCHIVE_OK) {
      return failure_.ok() ? absl::InternalError(absl::StrCat("export '", rel, "'")) : failure_;
    }
    if (file.valid()) {
      char buf[64 * 1024];
      int64_t left = st.st_size;
      while (left > 0) {
        ssize_t n = ::read(file.get(), buf, std::min<int64_t>(left, sizeof(buf)));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return absl::InternalError(absl::StrCat("read '", rel, "'"));
        if (archive_write_data(a_.get(), buf, static_cast<size_t>(n)) < 0) {
          return failure_.ok() ? absl::InternalError(absl::StrCat("export '", rel, "'")) : failure_;
        }
        left -= n;
      }
    }
    return absl::OkStatus();
  }

  std::vector<fs::ScopedFd> layers_;
  const TarSink& sink_;
  std::unique_ptr<archive, ArchiveDeleter> a_;
  absl::Status failure_;
};

}  // namespace

absl::Status ExportMergedPaths(const std::vector<std::string>& layer_dirs_top_first,
                               const std::vector<std::string>& paths, const TarSink& sink) {
  std::vector<fs::ScopedFd> layers;
  for (const std::string& dir : layer_dirs_top_first) {
    fs::ScopedFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd.valid()) return ErrnoToStatus(errno, absl::StrCat("open layer '", dir, "'"));
    layers.push_back(std::move(fd));
  }
  Exporter exporter(std::move(layers), sink);
  for (const std::string& path : paths) BERTH_RETURN_IF_ERROR(exporter.Export(path));
  return exporter.Close();
}

}  // namespace berth::imaged::layers
