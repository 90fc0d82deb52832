#include "services/runtimed/shim/container_init.h"

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
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <filesystem>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/fs/fs.h"
#include "common/status/status.h"
#include "services/runtimed/shim/confinement.h"
#include "services/runtimed/shim/fd_passing.h"
#include "services/runtimed/shim/init_helpers.h"
#include "services/runtimed/shim/rootfs_apply.h"
#include "services/runtimed/shim/rootfs_plan.h"
#include "services/runtimed/spec/capabilities.h"

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

using spec::ShimConfig;

}  // namespace

void SendMessage(int fd, char kind, const std::string& text) {
  std::string msg(1, kind);
  msg += text;
  (void)send(fd, msg.data(), msg.size(), MSG_NOSIGNAL);
}

void Fail(int sync_fd, const absl::Status& status) {
  SendMessage(sync_fd, 'E', std::string(status.message()));
  _exit(1);
}

// Blocks for the shim's one-byte message; false when the shim went away.
bool Expect(int fd, char kind) {
  char c = 0;
  ssize_t n;
  do {
    n = recv(fd, &c, 1, 0);
  } while (n < 0 && errno == EINTR);
  return n == 1 && c == kind;
}

namespace {

absl::Status Mount(const std::string& source, const std::string& target, const char* type,
                   unsigned long flags, const std::string& data) {
  if (mount(source.c_str(), target.c_str(), type, flags,
            data.empty() ? nullptr : data.c_str()) != 0) {
    return ErrnoToStatus(errno, absl::StrCat("mount ", type ? type : "bind", " on '", target,
                                             "'"));
  }
  return absl::OkStatus();
}

absl::Status MakeDir(const std::string& path, int mode = 0755) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return ErrnoToStatus(ec.value(), absl::StrCat("mkdir '", path, "'"));
  return absl::OkStatus();
}

absl::Status SetUpRootfs(const ShimConfig& c) {
  std::vector<DeviceNode> host_devices;
  if (c.security.host_devices) host_devices = ScanHostDevices();
  BERTH_ASSIGN_OR_RETURN(std::vector<RootfsStep> steps, PlanRootfs(c, host_devices));
  return ApplyRootfsPlan(steps, c.rootfs_dir);
}

// Clones the generated /etc files as detached bind mounts (open_tree) before
// pivot_root and attaches them (move_mount) after it, so that the targets
// resolve inside the new root: an image's /etc/resolv.conf symlink cannot
// point the mount at the host.
struct EtcFile {
  std::string target;
  fs::ScopedFd source;
};

absl::StatusOr<std::vector<EtcFile>> OpenEtcFiles(const ShimConfig& c) {
  std::vector<EtcFile> files;
  for (auto [source, target] : {std::pair{c.hostname_file, "/etc/hostname"},
                                {c.hosts_file, "/etc/hosts"},
                                {c.resolv_conf_file, "/etc/resolv.conf"}}) {
    if (source.empty()) continue;
    int fd = static_cast<int>(syscall(SYS_open_tree, AT_FDCWD, source.c_str(),
                                      OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC));
    if (fd < 0) return ErrnoToStatus(errno, absl::StrCat("open_tree '", source, "'"));
    files.push_back(EtcFile{target, fs::ScopedFd(fd)});
  }
  return files;
}

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
  struct stat st{};
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

absl::Status BindEtcFiles(const std::vector<EtcFile>& files) {
  for (const auto& f : files) {
    BERTH_ASSIGN_OR_RETURN(fs::ScopedFd target, OpenEtcTarget(f.target));
    if (syscall(SYS_move_mount, f.source.get(), "", target.get(), "",
                MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) != 0) {
      return ErrnoToStatus(errno, absl::StrCat("mount onto '", f.target, "'"));
    }
  }
  return absl::OkStatus();
}

// A fresh network namespace starts with `lo` down; Docker's `none` network
// has it up.
absl::Status BringUpLoopback() {
  fs::ScopedFd sock(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!sock.valid()) return ErrnoToStatus(errno, "socket for lo");
  ifreq req{};
  std::strncpy(req.ifr_name, "lo", IFNAMSIZ - 1);
  if (ioctl(sock.get(), SIOCGIFFLAGS, &req) != 0) return ErrnoToStatus(errno, "get lo flags");
  req.ifr_flags |= IFF_UP;
  if (ioctl(sock.get(), SIOCSIFFLAGS, &req) != 0) return ErrnoToStatus(errno, "bring lo up");
  return absl::OkStatus();
}

absl::Status PivotRoot(const std::string& root) {
  if (chdir(root.c_str()) != 0) return ErrnoToStatus(errno, "chdir to rootfs");
  // pivot_root(".", ".") stacks the old root on top of the new one; detaching
  // "." then removes the old root without needing a directory for it.
  if (syscall(SYS_pivot_root, ".", ".") != 0) return ErrnoToStatus(errno, "pivot_root");
  if (umount2(".", MNT_DETACH) != 0) return ErrnoToStatus(errno, "detach old root");
  if (chdir("/") != 0) return ErrnoToStatus(errno, "chdir /");
  return absl::OkStatus();
}

}  // namespace

// Allocates the pty in the container's own devpts and hands the master to
// the shim; the slave becomes the controlling terminal and stdio.
static absl::StatusOr<int> SetUpTerminal(const ShimConfig& c, int sync_fd) {
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

absl::Status SetUpStdio(const ShimConfig& c, const InitFds& fds, int* tty_slave) {
  setsid();
  if (c.tty) {
    BERTH_ASSIGN_OR_RETURN(*tty_slave, SetUpTerminal(c, fds.sync_fd));
  }
  int in = c.tty ? *tty_slave : fds.stdin_fd;
  int out = c.tty ? *tty_slave : fds.stdout_fd;
  int err = c.tty ? *tty_slave : fds.stderr_fd;
  if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) {
    return ErrnoToStatus(errno, "dup2 stdio");
  }
  return absl::OkStatus();
}

// The image's /etc/passwd or /etc/group, only when a regular file of at most
// 1 MiB: a symlink to /dev/zero or a FIFO must not hang or exhaust the init.
static std::string ReadUserDatabase(const char* path) {
  constexpr size_t kMaxSize = 1 << 20;
  fs::ScopedFd fd(open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  struct stat st{};
  if (!fd.valid() || fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return "";
  std::string text(std::min<size_t>(st.st_size, kMaxSize), '\0');
  ssize_t n = read(fd.get(), text.data(), text.size());
  text.resize(n > 0 ? n : 0);
  return text;
}

absl::StatusOr<ResolvedUser> SwitchUser(const ShimConfig& c, int tty_slave) {
  std::string group = ReadUserDatabase("/etc/group");
  BERTH_ASSIGN_OR_RETURN(ResolvedUser user,
                         ResolveUser(c.user, ReadUserDatabase("/etc/passwd"), group));
  BERTH_ASSIGN_OR_RETURN(std::vector<gid_t> added, ResolveAdditionalGroups(c.group_add, group));
  std::vector<gid_t> groups = SupplementaryGroups(user, added);
  if (tty_slave >= 0) (void)fchown(tty_slave, user.uid, 5);
  // Keep the permitted set across setuid; SetProcessCapabilities then sets
  // exactly the container's capabilities.
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) return ErrnoToStatus(errno, "keep capabilities");
  if (setgroups(groups.size(), groups.data()) != 0) return ErrnoToStatus(errno, "setgroups");
  if (setgid(user.gid) != 0) return ErrnoToStatus(errno, "setgid");
  if (setuid(user.uid) != 0) return ErrnoToStatus(errno, "setuid");
  return user;
}

FileInfo StatForExec(const std::string& path) {
  struct stat st{};
  if (stat(path.c_str(), &st) != 0) return FileInfo{};
  return FileInfo{true, S_ISDIR(st.st_mode), access(path.c_str(), X_OK) == 0};
}

namespace {

// Everything between clone and "ready"; returns the resolved executable.
absl::StatusOr<std::string> SetUp(const ShimConfig& c, const InitFds& fds,
                                  std::vector<std::string>& env, std::string* seccomp_bpf) {
  if (!Expect(fds.sync_fd, 'G')) return absl::AbortedError("shim went away");
  BERTH_ASSIGN_OR_RETURN(*seccomp_bpf, ReadSeccompProgram(c.security));
  // Unshared only now that the shim has placed us in our cgroups, so the
  // namespace's root is the container's cgroup.
  if (unshare(CLONE_NEWCGROUP) != 0) return ErrnoToStatus(errno, "unshare cgroup namespace");
  if (!c.netns_path.empty()) {
    fs::ScopedFd ns(open(c.netns_path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!ns.valid() || setns(ns.get(), CLONE_NEWNET) != 0) {
      return ErrnoToStatus(errno, absl::StrCat("join network namespace '", c.netns_path, "'"));
    }
  } else {
    BERTH_RETURN_IF_ERROR(BringUpLoopback());
  }
  // Nothing we mount may propagate back to the host (and pivot_root refuses
  // shared mounts).
  BERTH_RETURN_IF_ERROR(Mount("", "/", nullptr, MS_REC | MS_PRIVATE, ""));
  umask(0);
  BERTH_RETURN_IF_ERROR(SetUpRootfs(c));
  BERTH_ASSIGN_OR_RETURN(std::vector<EtcFile> etc, OpenEtcFiles(c));
  BERTH_RETURN_IF_ERROR(PivotRoot(c.rootfs_dir));
  BERTH_RETURN_IF_ERROR(BindEtcFiles(etc));
  // Everything below resolves inside the container's root: the host's tree
  // is no longer reachable.
  BERTH_RETURN_IF_ERROR(MakeDir(c.cwd.empty() ? "/" : c.cwd));
  BERTH_RETURN_IF_ERROR(ApplyPathRestrictions(c.security));
  if (c.security.readonly_rootfs) {
    BERTH_RETURN_IF_ERROR(Mount("", "/", nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY, ""));
  }
  if (sethostname(c.hostname.data(), c.hostname.size()) != 0) {
    return ErrnoToStatus(errno, "sethostname");
  }
  int tty_slave = -1;
  BERTH_RETURN_IF_ERROR(SetUpStdio(c, fds, &tty_slave));
  BERTH_RETURN_IF_ERROR(ApplyRlimits(c.security.rlimits));
  uint64_t caps = spec::CapabilityMask(c.security.capabilities);
  BERTH_RETURN_IF_ERROR(DropBoundingSet(caps));
  BERTH_ASSIGN_OR_RETURN(ResolvedUser user, SwitchUser(c, tty_slave));
  BERTH_RETURN_IF_ERROR(SetProcessCapabilities(caps, NeedsSysAdminForSeccomp(c.security)));
  if (EnvValue(env, "HOME").empty()) env.push_back("HOME=" + user.home);
  if (chdir(c.cwd.empty() ? "/" : c.cwd.c_str()) != 0) {
    return ErrnoToStatus(errno, absl::StrCat("chdir to '", c.cwd, "'"));
  }
  umask(022);
  return FindExecutable(c.args.empty() ? "" : c.args[0], EnvValue(env, "PATH"), StatForExec);
}

}  // namespace

void ExecProcess(const ShimConfig& config, const std::vector<std::string>& env,
                 const std::string& path, const std::string& seccomp_bpf, int sync_fd) {
  std::vector<char*> argv;
  for (const auto& a : config.args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  sigset_t none;
  sigemptyset(&none);
  for (int sig = 1; sig < NSIG; ++sig) signal(sig, SIG_DFL);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  // Loaded last: from here on only execve (and the error report) runs under
  // the filter.
  absl::Status confined = FinalizeBeforeExec(config.security, seccomp_bpf);
  if (!confined.ok()) {
    SendMessage(sync_fd, 'E', std::string(confined.message()));
    _exit(1);
  }
  execve(path.c_str(), argv.data(), envp.data());
  int err = errno;
  SendMessage(sync_fd, 'E',
              absl::StrCat("exec: \"", config.args[0], "\": ", absl::AsciiStrToLower(std::strerror(err))));
  _exit(127);
}

void RunContainerInit(const ShimConfig& config, const InitFds& fds) {
  std::vector<std::string> env = config.env;
  std::string seccomp_bpf;
  absl::StatusOr<std::string> path = SetUp(config, fds, env, &seccomp_bpf);
  if (!path.ok()) Fail(fds.sync_fd, path.status());
  SendMessage(fds.sync_fd, 'R');
  if (!Expect(fds.sync_fd, 'S')) _exit(1);
  ExecProcess(config, env, *path, seccomp_bpf, fds.sync_fd);
}

}  // namespace berth::runtimed::shim
