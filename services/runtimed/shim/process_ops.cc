#include "services/runtimed/shim/process_ops.h"

#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "common/status/status.h"
#include "services/runtimed/shim/confinement.h"
#include "services/runtimed/shim/container_init.h"
#include "services/runtimed/shim/fd_passing.h"
#include "services/runtimed/shim/rootfs_apply.h"

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC O_CLOEXEC
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif
#ifndef MOVE_MOUNT_T_EMPTY_PATH
#define MOVE_MOUNT_T_EMPTY_PATH 0x00000040
#endif

namespace berth::runtimed::shim {
namespace {

// Opens (making it if needed) the file an /etc mount goes onto, inside the
// new root: a symlink or other non-regular file the image has there is
// replaced in the container's own layer, so the mount lands on that path and
// never where the symlink points.
absl::StatusOr<fs::ScopedFd> OpenEtcTarget(const std::string& target) {
  fs::ScopedFd root(open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) return ErrnoToStatus(errno, "open /");
  BERTH_ASSIGN_OR_RETURN(fs::ScopedFd etc_path, OpenInRoot(root.get(), "/etc", true));
  fs::ScopedFd etc(openat(etc_path.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!etc.valid()) return ErrnoToStatus(errno, "open /etc");
  std::string name = target.substr(std::string("/etc/").size());
  struct stat st {};
  if (fstatat(etc.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode)) {
    if (S_ISDIR(st.st_mode)) {
      return absl::FailedPreconditionError(
          absl::StrCat("'", target, "' in the container's filesystem is a directory"));
    }
    if (unlinkat(etc.get(), name.c_str(), 0) != 0) {
      return ErrnoToStatus(errno, absl::StrCat("replace '", target, "'"));
    }
  }
  int fd = openat(etc.get(), name.c_str(), O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoToStatus(errno, absl::StrCat("create '", target, "'"));
  close(fd);
  fd = openat(etc.get(), name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return ErrnoToStatus(errno, absl::StrCat("open '", target, "'"));
  return fs::ScopedFd(fd);
}

// Allocates the pty in the container's own devpts and hands the master to
// the shim; the slave becomes the controlling terminal and stdio.
absl::StatusOr<int> SetUpTerminal(const spec::ShimConfig& c, int sync_fd) {
  int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) return ErrnoToStatus(errno, "open /dev/ptmx");
  int unlock = 0;
  int pty_number = 0;
  if (ioctl(master, TIOCSPTLCK, &unlock) != 0 || ioctl(master, TIOCGPTN, &pty_number) != 0) {
    return ErrnoToStatus(errno, "unlock pty");
  }
  if (c.console_height > 0 && c.console_width > 0) {
    winsize ws{static_cast<unsigned short>(c.console_height),
               static_cast<unsigned short>(c.console_width), 0, 0};
    ioctl(master, TIOCSWINSZ, &ws);
  }
  std::string slave_path = absl::StrCat("/dev/pts/", pty_number);
  // Close-on-exec: the process gets it only as its stdio (dup2), never as an
  // extra descriptor.
  int slave = open(slave_path.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0) return ErrnoToStatus(errno, absl::StrCat("open ", slave_path));

  absl::Status sent = SendWithFd(sync_fd, "P", master, "send pty master");
  close(master);
  BERTH_RETURN_IF_ERROR(sent);

  if (ioctl(slave, TIOCSCTTY, 0) != 0) return ErrnoToStatus(errno, "set controlling tty");
  return slave;
}

}  // namespace

bool LinuxProcessOps::AwaitGo() { return Expect(sync_fd_, 'G'); }

absl::Status LinuxProcessOps::UnshareCgroupNamespace() {
  if (unshare(CLONE_NEWCGROUP) != 0) return ErrnoToStatus(errno, "unshare cgroup namespace");
  return absl::OkStatus();
}

absl::Status LinuxProcessOps::JoinNetworkNamespace(const std::string& path) {
  fs::ScopedFd ns(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!ns.valid() || setns(ns.get(), CLONE_NEWNET) != 0) {
    return ErrnoToStatus(errno, absl::StrCat("join network namespace '", path, "'"));
  }
  return absl::OkStatus();
}

// A fresh network namespace starts with `lo` down; Docker's `none` network
// has it up.
absl::Status LinuxProcessOps::BringUpLoopback() {
  fs::ScopedFd sock(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!sock.valid()) return ErrnoToStatus(errno, "socket for lo");
  ifreq req{};
  std::strncpy(req.ifr_name, "lo", IFNAMSIZ - 1);
  if (ioctl(sock.get(), SIOCGIFFLAGS, &req) != 0) return ErrnoToStatus(errno, "get lo flags");
  req.ifr_flags |= IFF_UP;
  if (ioctl(sock.get(), SIOCSIFFLAGS, &req) != 0) return ErrnoToStatus(errno, "bring lo up");
  return absl::OkStatus();
}

absl::Status LinuxProcessOps::SetHostname(const std::string& name) {
  if (sethostname(name.data(), name.size()) != 0) return ErrnoToStatus(errno, "sethostname");
  return absl::OkStatus();
}

absl::StatusOr<fs::ScopedFd> LinuxProcessOps::CloneTree(const std::string& source) {
  int fd = static_cast<int>(
      syscall(SYS_open_tree, AT_FDCWD, source.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC));
  if (fd < 0) return ErrnoToStatus(errno, absl::StrCat("open_tree '", source, "'"));
  return fs::ScopedFd(fd);
}

absl::Status LinuxProcessOps::PivotRoot(const std::string& root) {
  if (chdir(root.c_str()) != 0) return ErrnoToStatus(errno, "chdir to rootfs");
  // pivot_root(".", ".") stacks the old root on top of the new one; detaching
  // "." then removes the old root without needing a directory for it.
  if (syscall(SYS_pivot_root, ".", ".") != 0) return ErrnoToStatus(errno, "pivot_root");
  if (umount2(".", MNT_DETACH) != 0) return ErrnoToStatus(errno, "detach old root");
  if (chdir("/") != 0) return ErrnoToStatus(errno, "chdir /");
  return absl::OkStatus();
}

absl::Status LinuxProcessOps::AttachEtcFile(int tree_fd, const std::string& target) {
  BERTH_ASSIGN_OR_RETURN(fs::ScopedFd target_fd, OpenEtcTarget(target));
  if (syscall(SYS_move_mount, tree_fd, "", target_fd.get(), "",
              MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) != 0) {
    return ErrnoToStatus(errno, absl::StrCat("mount onto '", target, "'"));
  }
  return absl::OkStatus();
}

absl::Status LinuxProcessOps::MakeDirs(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return ErrnoToStatus(ec.value(), absl::StrCat("mkdir '", path, "'"));
  return absl::OkStatus();
}

std::string LinuxProcessOps::ReadUserDatabase(const std::string& path) {
  constexpr size_t kMaxSize = 1 << 20;
  fs::ScopedFd fd(open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  struct stat st {};
  if (!fd.valid() || fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return "";
  std::string text(std::min<size_t>(st.st_size, kMaxSize), '\0');
  ssize_t n = read(fd.get(), text.data(), text.size());
  text.resize(n > 0 ? n : 0);
  return text;
}

FileInfo LinuxProcessOps::Stat(const std::string& path) { return StatForExec(path); }

void LinuxProcessOps::Umask(mode_t mask) { umask(mask); }

absl::Status LinuxProcessOps::Chdir(const std::string& path) {
  if (chdir(path.c_str()) != 0) return ErrnoToStatus(errno, absl::StrCat("chdir to '", path, "'"));
  return absl::OkStatus();
}

absl::StatusOr<int> LinuxProcessOps::SetUpStdio(const spec::ShimConfig& c, const InitFds& fds) {
  setsid();
  int tty_slave = -1;
  if (c.tty) {
    BERTH_ASSIGN_OR_RETURN(tty_slave, SetUpTerminal(c, sync_fd_));
  }
  int in = c.tty ? tty_slave : fds.stdin_fd;
  int out = c.tty ? tty_slave : fds.stdout_fd;
  int err = c.tty ? tty_slave : fds.stderr_fd;
  if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) {
    return ErrnoToStatus(errno, "dup2 stdio");
  }
  return tty_slave;
}

void LinuxProcessOps::ChownTerminal(int tty_fd, uid_t uid) { (void)fchown(tty_fd, uid, 5); }

absl::Status LinuxProcessOps::SwitchIds(const std::vector<gid_t>& groups, gid_t gid, uid_t uid) {
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) return ErrnoToStatus(errno, "keep capabilities");
  if (setgroups(groups.size(), groups.data()) != 0) return ErrnoToStatus(errno, "setgroups");
  if (setgid(gid) != 0) return ErrnoToStatus(errno, "setgid");
  if (setuid(uid) != 0) return ErrnoToStatus(errno, "setuid");
  return absl::OkStatus();
}

absl::StatusOr<std::string> LinuxProcessOps::ReadSeccompProgram(
    const spec::SecuritySpec& security) {
  return shim::ReadSeccompProgram(security);
}

absl::Status LinuxProcessOps::ApplyPathRestrictions(const spec::SecuritySpec& security) {
  return shim::ApplyPathRestrictions(security);
}

absl::Status LinuxProcessOps::ApplyRlimits(const std::vector<spec::Rlimit>& rlimits) {
  return shim::ApplyRlimits(rlimits);
}

absl::Status LinuxProcessOps::DropBoundingSet(uint64_t keep) { return shim::DropBoundingSet(keep); }

absl::Status LinuxProcessOps::SetProcessCapabilities(uint64_t caps, bool keep_sys_admin) {
  return shim::SetProcessCapabilities(caps, keep_sys_admin);
}

}  // namespace berth::runtimed::shim
