// The privileged and process-wide calls of the container init (everything
// container_setup.cc does besides the rootfs mounts, which go through
// Mounter), behind a seam so the order of the set-up can be checked without
// root (tests/unit/runtimed/container_setup_test.cc, against
// testing::RecordingProcessOps).
//
// Each method is one step of the init as the kernel sees it; LinuxProcessOps
// makes the real calls and its errors are "<context>: <errno text>" exactly
// as users see them in `docker start`. The confinement steps forward to
// confinement.h as whole steps: the capability, rlimit, masking and seccomp
// syscalls inside them stay direct there (they are unit-tested only in their
// order here; the root integration tests cover what they do).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/fs/fs.h"
#include "services/runtimed/shim/init_channel.h"
#include "services/runtimed/shim/init_helpers.h"
#include "services/runtimed/spec/shim_config.h"

namespace berth::runtimed::shim {

class ProcessOps {
 public:
  virtual ~ProcessOps() = default;

  // --- The shim ---
  // Blocks for the shim's 'G' (the process is in its cgroups now); false
  // when the shim went away or sent something else.
  virtual bool AwaitGo() = 0;

  // --- Namespaces, network, hostname ---
  // unshare(CLONE_NEWCGROUP); "unshare cgroup namespace: …".
  virtual absl::Status UnshareCgroupNamespace() = 0;
  // Opens `path` (a netns file) and setns(CLONE_NEWNET) into it;
  // "join network namespace '<path>': …".
  virtual absl::Status JoinNetworkNamespace(const std::string& path) = 0;
  // Sets IFF_UP on `lo` of the current netns; "socket for lo" / "get lo
  // flags" / "bring lo up: …".
  virtual absl::Status BringUpLoopback() = 0;
  // sethostname(2) in the current uts namespace; "sethostname: …".
  virtual absl::Status SetHostname(const std::string& name) = 0;

  // --- The root ---
  // open_tree(OPEN_TREE_CLONE) of the host path `source`: a detached copy of
  // it, attached later with AttachEtcFile; "open_tree '<source>': …".
  virtual absl::StatusOr<fs::ScopedFd> CloneTree(const std::string& source) = 0;
  // chdir into `root`, pivot_root(".", "."), detach the old root, chdir "/";
  // "chdir to rootfs" / "pivot_root" / "detach old root" / "chdir /: …".
  virtual absl::Status PivotRoot(const std::string& root) = 0;
  // Opens `target` ("/etc/hosts") inside the current root without following
  // symlinks (a non-regular file there is replaced, a missing one made) and
  // move_mount's the tree `tree_fd` onto it. FailedPrecondition when the
  // target is a directory; else "replace '<t>'" / "create '<t>'" / "mount
  // onto '<t>': …".
  virtual absl::Status AttachEtcFile(int tree_fd, const std::string& target) = 0;
  // mkdir -p of `path` in the current root; "mkdir '<path>': …".
  virtual absl::Status MakeDirs(const std::string& path) = 0;
  // The current root's /etc/passwd or /etc/group, "" unless a regular file
  // (at most 1 MiB is read: a FIFO or /dev/zero must not hang the init).
  virtual std::string ReadUserDatabase(const std::string& path) = 0;
  // What FindExecutable needs to know about `path` in the current root.
  virtual FileInfo Stat(const std::string& path) = 0;

  // --- The process ---
  virtual void Umask(mode_t mask) = 0;
  // chdir(2); "chdir to '<path>': …".
  virtual absl::Status Chdir(const std::string& path) = 0;
  // setsid, then (tty) a pty from the current root's /dev/ptmx whose master
  // goes to the shim as 'P' and whose slave becomes the controlling terminal,
  // or (no tty) the pipes of `fds`, as fds 0-2. Returns the slave's fd, or -1
  // without a tty.
  virtual absl::StatusOr<int> SetUpStdio(const spec::ShimConfig& c, const InitFds& fds) = 0;
  // Gives the pty slave to `uid` (group tty, 5); best effort, as in runc.
  virtual void ChownTerminal(int tty_fd, uid_t uid) = 0;
  // PR_SET_KEEPCAPS (the permitted set survives setuid), setgroups, setgid,
  // setuid; "keep capabilities" / "setgroups" / "setgid" / "setuid: …".
  virtual absl::Status SwitchIds(const std::vector<gid_t>& groups, gid_t gid, uid_t uid) = 0;

  // --- Confinement (confinement.h, one step each) ---
  virtual absl::StatusOr<std::string> ReadSeccompProgram(const spec::SecuritySpec& security) = 0;
  virtual absl::Status ApplyPathRestrictions(const spec::SecuritySpec& security) = 0;
  virtual absl::Status ApplyRlimits(const std::vector<spec::Rlimit>& rlimits) = 0;
  virtual absl::Status DropBoundingSet(uint64_t keep) = 0;
  virtual absl::Status SetProcessCapabilities(uint64_t caps, bool keep_sys_admin) = 0;
};

// The real calls. `sync_fd` is the init's end of the conversation with the
// shim (init_channel.h): 'G' is read from it, the pty master sent over it.
class LinuxProcessOps : public ProcessOps {
 public:
  explicit LinuxProcessOps(int sync_fd) : sync_fd_(sync_fd) {}

  bool AwaitGo() override;
  absl::Status UnshareCgroupNamespace() override;
  absl::Status JoinNetworkNamespace(const std::string& path) override;
  absl::Status BringUpLoopback() override;
  absl::Status SetHostname(const std::string& name) override;
  absl::StatusOr<fs::ScopedFd> CloneTree(const std::string& source) override;
  absl::Status PivotRoot(const std::string& root) override;
  absl::Status AttachEtcFile(int tree_fd, const std::string& target) override;
  absl::Status MakeDirs(const std::string& path) override;
  std::string ReadUserDatabase(const std::string& path) override;
  FileInfo Stat(const std::string& path) override;
  void Umask(mode_t mask) override;
  absl::Status Chdir(const std::string& path) override;
  absl::StatusOr<int> SetUpStdio(const spec::ShimConfig& c, const InitFds& fds) override;
  void ChownTerminal(int tty_fd, uid_t uid) override;
  absl::Status SwitchIds(const std::vector<gid_t>& groups, gid_t gid, uid_t uid) override;
  absl::StatusOr<std::string> ReadSeccompProgram(const spec::SecuritySpec& security) override;
  absl::Status ApplyPathRestrictions(const spec::SecuritySpec& security) override;
  absl::Status ApplyRlimits(const std::vector<spec::Rlimit>& rlimits) override;
  absl::Status DropBoundingSet(uint64_t keep) override;
  absl::Status SetProcessCapabilities(uint64_t caps, bool keep_sys_admin) override;

 private:
  int sync_fd_;
};

}  // namespace berth::runtimed::shim
