#include "common/archive/container_path.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <deque>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status/status.h"

namespace berth::archive {
namespace {

std::vector<std::string> SplitClean(const std::string& path) {
  std::vector<std::string> out;
  for (absl::string_view c : absl::StrSplit(path, '/', absl::SkipEmpty())) {
    if (c == ".") continue;
    if (c == "..") {
      if (!out.empty()) out.pop_back();
      continue;
    }
    out.emplace_back(c);
  }
  return out;
}

std::string Join(const std::vector<std::string>& comps) {
  return absl::StrCat("/", absl::StrJoin(comps, "/"));
}

absl::Status NotFound(const std::string& path) {
  return absl::NotFoundError(absl::StrCat("Could not find the file ", path));
}

// The absolute path `path` names once every symlink on it is followed inside
// the root (Docker's FollowSymlinkInScope): the stat header's linkTarget.
std::string FollowInScope(int root_fd, const std::string& path) {
  std::deque<std::string> rest;
  for (const std::string& c : SplitClean(path)) rest.push_back(c);
  std::vector<std::string> done;
  for (int hops = 0; !rest.empty() && hops < 255;) {
    std::string comp = rest.front();
    rest.pop_front();
    absl::StatusOr<fs::ScopedFd> dir = OpenInRoot(root_fd, Join(done), O_PATH | O_DIRECTORY);
    struct stat st;
    if (!dir.ok() || ::fstatat(dir->get(), comp.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 ||
        !S_ISLNK(st.st_mode)) {
      done.push_back(comp);
      continue;
    }
    ++hops;
    std::string target(PATH_MAX, '\0');
    ssize_t n = ::readlinkat(dir->get(), comp.c_str(), target.data(), target.size());
    if (n <= 0) {
      done.push_back(comp);
      continue;
    }
    target.resize(static_cast<size_t>(n));
    if (absl::StartsWith(target, "/")) done.clear();
    std::vector<std::string> parts = absl::StrSplit(target, '/', absl::SkipEmpty());
    for (auto it = parts.rbegin(); it != parts.rend(); ++it) rest.push_front(*it);
    // ".." and "." from the link are applied as they come.
    while (!rest.empty() && (rest.front() == ".." || rest.front() == ".")) {
      if (rest.front() == ".." && !done.empty()) done.pop_back();
      rest.pop_front();
    }
  }
  for (const std::string& c : rest) done.push_back(c);
  return Join(SplitClean(Join(done)));
}

}  // namespace

uint32_t GoFileMode(mode_t mode) {
  uint32_t out = mode & 0777;
  switch (mode & S_IFMT) {
    case S_IFDIR: out |= 1u << 31; break;
    case S_IFLNK: out |= 1u << 27; break;
    case S_IFIFO: out |= 1u << 25; break;
    case S_IFSOCK: out |= 1u << 24; break;
    case S_IFBLK: out |= 1u << 26; break;
    case S_IFCHR: out |= (1u << 26) | (1u << 21); break;
    default: break;
  }
  if (mode & S_ISUID) out |= 1u << 23;
  if (mode & S_ISGID) out |= 1u << 22;
  if (mode & S_ISVTX) out |= 1u << 20;
  return out;
}

std::string CleanContainerPath(const std::string& path) { return Join(SplitClean(path)); }

absl::StatusOr<fs::ScopedFd> OpenInRoot(int root_fd, const std::string& path, int flags) {
  struct open_how how = {};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  std::string rel = path;
  while (absl::StartsWith(rel, "/")) rel.erase(0, 1);
  if (rel.empty()) rel = ".";
  int fd;
  do {
    fd = static_cast<int>(::syscall(SYS_openat2, root_fd, rel.c_str(), &how, sizeof(how)));
  } while (fd < 0 && (errno == EAGAIN || errno == EINTR));
  if (fd < 0) return ErrnoToStatus(errno, absl::StrCat("open '", path, "' in the container"));
  return fs::ScopedFd(fd);
}

absl::StatusOr<ResolvedPath> ResolveContainerPath(int root_fd, const std::string& path) {
  ResolvedPath out;
  std::vector<std::string> comps = SplitClean(path);
  out.clean_path = Join(comps);
  bool follow_all = path.empty() || absl::EndsWith(path, "/") || absl::EndsWith(path, "/.") ||
                    path == "." || comps.empty();
  out.base_name = comps.empty() ? "/" : comps.back();
  if (absl::EndsWith(path, "/.") || path == ".") out.base_name = ".";
  if (follow_all) {
    absl::StatusOr<fs::ScopedFd> fd = OpenInRoot(root_fd, out.clean_path, O_PATH);
    if (!fd.ok()) {
      return absl::IsNotFound(fd.status()) ? NotFound(path) : fd.status();
    }
    out.parent = std::move(*fd);
    return out;
  }
  out.entry = comps.back();
  comps.pop_back();
  absl::StatusOr<fs::ScopedFd> fd = OpenInRoot(root_fd, Join(comps), O_PATH | O_DIRECTORY);
  if (!fd.ok()) {
    int code = static_cast<int>(fd.status().code());
    if (absl::IsNotFound(fd.status()) || code == static_cast<int>(absl::StatusCode::kInternal)) {
      return NotFound(path);  // ENOTDIR: a parent is a file
    }
    return fd.status();
  }
  out.parent = std::move(*fd);
  return out;
}

absl::StatusOr<PathStat> StatContainerPath(int root_fd, const std::string& path) {
  BERTH_ASSIGN_OR_RETURN(ResolvedPath resolved, ResolveContainerPath(root_fd, path));
  struct stat st;
  int r = resolved.entry.empty()
              ? ::fstatat(resolved.parent.get(), "", &st, AT_EMPTY_PATH)
              : ::fstatat(resolved.parent.get(), resolved.entry.c_str(), &st, AT_SYMLINK_NOFOLLOW);
  if (r != 0) {
    if (errno == ENOENT) return NotFound(path);
    return ErrnoToStatus(errno, absl::StrCat("stat '", path, "'"));
  }
  PathStat out;
  out.name = resolved.base_name;
  out.size = st.st_size;
  out.mode = GoFileMode(st.st_mode);
  out.mtime_unix_nanos = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  if (S_ISLNK(st.st_mode)) out.link_target = FollowInScope(root_fd, resolved.clean_path);
  return out;
}

}  // namespace berth::archive
