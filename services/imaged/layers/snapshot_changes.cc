#include "services/imaged/layers/snapshot_changes.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/fs/fs.h"
#include "common/status/status.h"
#include "services/imaged/layers/overlay_entries.h"

namespace berth::imaged::layers {
namespace {

class ChangeWalker {
 public:
  explicit ChangeWalker(std::vector<fs::ScopedFd> lowers) : lowers_(std::move(lowers)) {}

  // Whether the image (the lower layers merged) has `comps`.
  bool InImage(const std::vector<std::string>& comps) const {
    for (const fs::ScopedFd& layer : lowers_) {
      std::vector<std::string> parent(comps.begin(), comps.end() - 1);
      fs::ScopedFd dir = OpenDirBeneath(layer.get(), parent);
      if (!dir.valid()) continue;
      struct stat st;
      if (::fstatat(dir.get(), comps.back().c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
        return !IsOverlayWhiteout(st);
      }
      if (IsOverlayOpaque(dir.get())) return false;
    }
    return false;
  }

  absl::Status Walk(int dirfd, std::vector<std::string>& comps, bool below_opaque) {
    int dup = ::openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR* d = dup < 0 ? nullptr : ::fdopendir(dup);
    if (d == nullptr) return ErrnoToStatus(errno, "list upper dir");
    std::vector<std::string> names;
    while (struct dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") names.push_back(n);
    }
    ::closedir(d);
    for (const std::string& name : names) {
      comps.push_back(name);
      std::string path = Path(comps);
      struct stat st;
      if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        comps.pop_back();
        continue;  // removed while we looked
      }
      ChangeKind kind = IsOverlayWhiteout(st)                       ? ChangeKind::kDeleted
                        : (!below_opaque && InImage(comps)) ? ChangeKind::kModified
                                                             : ChangeKind::kAdded;
      Record(path, kind);
      if (S_ISDIR(st.st_mode)) {
        fs::ScopedFd child(
            ::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (child.valid()) {
          BERTH_RETURN_IF_ERROR(
              Walk(child.get(), comps, below_opaque || IsOverlayOpaque(child.get())));
        }
      }
      comps.pop_back();
    }
    return absl::OkStatus();
  }

  std::vector<Change> Take() {
    std::sort(changes_.begin(), changes_.end(),
              [](const Change& a, const Change& b) { return a.path < b.path; });
    return std::move(changes_);
  }

 private:
  static std::string Path(const std::vector<std::string>& comps) {
    std::string out;
    for (const std::string& c : comps) absl::StrAppend(&out, "/", c);
    return out;
  }

  void Record(const std::string& path, ChangeKind kind) {
    if (!seen_.insert(path).second) return;
    if (kind != ChangeKind::kModified) {
      std::string parent = path.substr(0, path.rfind('/'));
      if (!parent.empty() && seen_.insert(parent).second) {
        changes_.push_back({parent, ChangeKind::kModified});
      }
    }
    changes_.push_back({path, kind});
  }

  std::vector<fs::ScopedFd> lowers_;
  std::vector<Change> changes_;
  std::set<std::string> seen_;
};

}  // namespace

absl::StatusOr<std::vector<Change>> ListChanges(
    const std::string& upper_dir, const std::vector<std::string>& lower_dirs_top_first) {
  fs::ScopedFd upper(::open(upper_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!upper.valid()) return ErrnoToStatus(errno, absl::StrCat("open '", upper_dir, "'"));
  std::vector<fs::ScopedFd> lowers;
  for (const std::string& dir : lower_dirs_top_first) {
    fs::ScopedFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd.valid()) return ErrnoToStatus(errno, absl::StrCat("open layer '", dir, "'"));
    lowers.push_back(std::move(fd));
  }
  ChangeWalker walker(std::move(lowers));
  std::vector<std::string> comps;
  BERTH_RETURN_IF_ERROR(walker.Walk(upper.get(), comps, false));
  return walker.Take();
}

}  // namespace berth::imaged::layers
