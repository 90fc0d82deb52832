#include "services/runtimed/shim/rootfs_apply.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status/status.h"
#include "services/runtimed/shim/rootfs_copy_up.h"

namespace berth::runtimed::shim {
namespace {

using Kind = RootfsStep::Kind;

int OpenBeneath(int dir_fd, const std::string& name, uint64_t flags) {
  open_how how{};
  how.flags = flags | O_PATH | O_CLOEXEC | O_NOFOLLOW;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  return static_cast<int>(syscall(SYS_openat2, dir_fd, name.c_str(), &how, sizeof(how)));
}

absl::Status ResolveError(int err, const std::string& path) {
  if (err == ELOOP) {
    return absl::FailedPreconditionError(absl::StrCat(
        "'", path, "' in the container's filesystem is a symlink; refusing to follow it"));
  }
  if (err == ENOTDIR) {
    return absl::FailedPreconditionError(
        absl::StrCat("'", path, "' in the container's filesystem is not a directory"));
  }
  return ErrnoToStatus(err, absl::StrCat("open '", path, "' in the container's filesystem"));
}

// The parent directory of in-root `path` (made if missing) and the last name.
absl::StatusOr<std::pair<fs::ScopedFd, std::string>> OpenParent(int root_fd,
                                                                const std::string& path) {
  size_t slash = path.rfind('/');
  std::string parent = slash == 0 ? "/" : path.substr(0, slash);
  BERTH_ASSIGN_OR_RETURN(fs::ScopedFd dir, OpenInRoot(root_fd, parent, true));
  return std::make_pair(std::move(dir), path.substr(slash + 1));
}

absl::Status MountOnto(Mounter& mounter, int root_fd, const RootfsStep& step,
                       const std::string& path) {
  BERTH_ASSIGN_OR_RETURN(fs::ScopedFd target, OpenInRoot(root_fd, path, false));
  return mounter.Mount({.source = step.source,
                        .target = FdPath(target.get()),
                        .in_root = path,
                        .fstype = step.fstype,
                        .flags = step.flags,
                        .data = step.data,
                        .error_context = absl::StrCat(
                            "mount ", step.fstype.empty() ? "bind" : step.fstype, " on '", path,
                            "'")});
}

absl::Status ApplyInRoot(Mounter& mounter, int root_fd, const RootfsStep& step,
                         const std::string& path) {
  switch (step.kind) {
    case Kind::kMkdir:
      return OpenInRoot(root_fd, path, true, step.mode).status();
    case Kind::kMount:
      return MountOnto(mounter, root_fd, step, path);
    case Kind::kRemountReadOnly: {
      // Opened after the mount, so the fd names the mount's root.
      BERTH_ASSIGN_OR_RETURN(fs::ScopedFd target, OpenInRoot(root_fd, path, false));
      return mounter.Mount({.source = "",
                            .target = FdPath(target.get()),
                            .in_root = path,
                            .fstype = "",
                            .flags = MS_BIND | MS_REMOUNT | MS_RDONLY,
                            .data = "",
                            .error_context = absl::StrCat("remount '", path, "' read-only")});
    }
    case Kind::kMknod: {
      BERTH_ASSIGN_OR_RETURN(auto parent, OpenParent(root_fd, path));
      // mknodat wants a real directory fd, not O_PATH.
      fs::ScopedFd dir(openat(parent.first.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      if (!dir.valid()) return ErrnoToStatus(errno, absl::StrCat("mknod '", path, "'"));
      return mounter.Mknod({.dir_fd = dir.get(),
                            .name = parent.second,
                            .in_root = path,
                            .mode = static_cast<mode_t>((step.block ? S_IFBLK : S_IFCHR) |
                                                        step.mode),
                            .dev = makedev(step.major, step.minor)});
    }
    case Kind::kMkfile: {
      BERTH_ASSIGN_OR_RETURN(auto parent, OpenParent(root_fd, path));
      fs::ScopedFd dir(openat(parent.first.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      if (!dir.valid()) return ErrnoToStatus(errno, absl::StrCat("create '", path, "'"));
      struct stat st{};
      if (fstatat(dir.get(), parent.second.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
        if (S_ISLNK(st.st_mode)) return ResolveError(ELOOP, path);
        if (S_ISDIR(st.st_mode)) {
          return absl::FailedPreconditionError(absl::StrCat(
              "cannot mount a file on '", path, "': it is a directory in the image"));
        }
        return absl::OkStatus();
      }
      fs::ScopedFd file(openat(dir.get(), parent.second.c_str(),
                               O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, step.mode));
      if (!file.valid()) return ErrnoToStatus(errno, absl::StrCat("create '", path, "'"));
      return absl::OkStatus();
    }
    case Kind::kCopyUp:
      return CopyUpIfEmpty(root_fd, path, step.source);
    case Kind::kSymlink: {
      BERTH_ASSIGN_OR_RETURN(auto parent, OpenParent(root_fd, path));
      fs::ScopedFd dir(openat(parent.first.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      if (!dir.valid()) return ErrnoToStatus(errno, absl::StrCat("symlink '", path, "'"));
      return mounter.Symlink(
          {.dir_fd = dir.get(), .name = parent.second, .in_root = path, .link = step.source});
    }
  }
  return absl::InternalError("unknown rootfs step");
}

}  // namespace

std::string FdPath(int fd) { return absl::StrCat("/proc/self/fd/", fd); }

absl::StatusOr<fs::ScopedFd> OpenInRoot(int root_fd, const std::string& path, bool create_dirs,
                                        int mode) {
  fs::ScopedFd current(fcntl(root_fd, F_DUPFD_CLOEXEC, 0));
  if (!current.valid()) return ErrnoToStatus(errno, "dup root fd");
  std::string walked;
  for (absl::string_view part : absl::StrSplit(path, '/', absl::SkipEmpty())) {
    std::string name(part);
    walked += "/" + name;
    if (name == "..") return absl::InvalidArgumentError(absl::StrCat("'", path, "' has '..'"));
    int fd = OpenBeneath(current.get(), name, 0);
    if (fd < 0 && errno == ENOENT && create_dirs) {
      if (mkdirat(current.get(), name.c_str(), mode) != 0 && errno != EEXIST) {
        return ErrnoToStatus(errno, absl::StrCat("mkdir '", walked, "'"));
      }
      fd = OpenBeneath(current.get(), name, 0);
    }
    if (fd < 0) return ResolveError(errno, walked);
    current.reset(fd);
    // O_PATH | O_NOFOLLOW opens a trailing symlink itself instead of failing.
    struct stat st{};
    if (fstat(current.get(), &st) != 0) return ErrnoToStatus(errno, absl::StrCat("stat '", walked, "'"));
    if (S_ISLNK(st.st_mode)) return ResolveError(ELOOP, walked);
  }
  return current;
}

absl::Status ApplyRootfsPlan(const std::vector<RootfsStep>& steps, const std::string& rootfs_dir) {
  LinuxMounter mounter;
  return ApplyRootfsPlan(steps, rootfs_dir, mounter);
}

absl::Status ApplyRootfsPlan(const std::vector<RootfsStep>& steps, const std::string& rootfs_dir,
                             Mounter& mounter) {
  fs::ScopedFd root;
  for (const RootfsStep& step : steps) {
    if (step.target == rootfs_dir) {
      // The root itself: runtimed's own directory on the host.
      if (step.kind == Kind::kMkdir) {
        BERTH_RETURN_IF_ERROR(fs::MakeDirs(rootfs_dir, 0755));
      } else if (step.kind == Kind::kMount) {
        BERTH_RETURN_IF_ERROR(mounter.Mount(
            {.source = step.source,
             .target = rootfs_dir,
             .in_root = "/",
             .fstype = step.fstype,
             .flags = step.flags,
             .data = step.data,
             .error_context = absl::StrCat("mount ", step.fstype, " on the rootfs")}));
        root.reset();  // reopened below, on top of the new mount
      } else {
        return absl::InvalidArgumentError("unexpected rootfs step on the root");
      }
      continue;
    }
    if (!absl::StartsWith(step.target, rootfs_dir + "/")) {
      return absl::InvalidArgumentError(absl::StrCat("step target '", step.target,
                                                     "' is outside the rootfs"));
    }
    if (!root.valid()) {
      root.reset(open(rootfs_dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
      if (!root.valid()) return ErrnoToStatus(errno, "open the rootfs");
    }
    BERTH_RETURN_IF_ERROR(
        ApplyInRoot(mounter, root.get(), step, step.target.substr(rootfs_dir.size())));
  }
  return absl::OkStatus();
}

}  // namespace berth::runtimed::shim
