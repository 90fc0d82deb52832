// RecordingProcessOps: a ProcessOps (shim/process_ops.h) for unit tests of
// the container init's set-up sequence (shim/container_setup.h). It performs
// nothing privileged; it records every call in order as one line with its
// arguments ("setns net /run/netns/x", "pivot_root /tmp/…/rootfs"), and its
// mounter() records the Mounter's calls (the root's propagation and remount,
// the whole rootfs plan) into the same list, so one list shows the order
// across both seams. The rootfs plan's paths are still resolved for real by
// the applier (on a temp dir), exactly as with RecordingMounter.
//
// Scripting: FailOn(prefix) makes the first call whose line starts with
// `prefix` fail with EPERM and the same context LinuxProcessOps (or
// LinuxMounter) gives it; SetGo(false) is a shim that went away before 'G';
// SetFile() gives the container's /etc/passwd and /etc/group; SetExecutable()
// what the PATH lookup finds; SetSeccompProgram() what the program read
// returns; the tty slave is fd 7 (never used as an fd by the sequence).
#pragma once

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/status/status.h"
#include "services/runtimed/shim/mounter.h"
#include "services/runtimed/shim/process_ops.h"
#include "services/runtimed/testing/recording_mounter.h"

namespace berth::runtimed::testing {

class RecordingProcessOps : public shim::ProcessOps {
 public:
  static constexpr int kTtySlave = 7;

  RecordingProcessOps() : mounter_(*this) {}

  // --- Results ---
  const std::vector<std::string>& calls() const { return calls_; }
  // Index of the first line starting with `prefix`, or -1.
  int IndexOf(const std::string& prefix) const {
    for (size_t i = 0; i < calls_.size(); ++i) {
      if (absl::StartsWith(calls_[i], prefix)) return static_cast<int>(i);
    }
    return -1;
  }
  // Index of the last line starting with `prefix`, or -1.
  int LastIndexOf(const std::string& prefix) const {
    for (size_t i = calls_.size(); i > 0; --i) {
      if (absl::StartsWith(calls_[i - 1], prefix)) return static_cast<int>(i - 1);
    }
    return -1;
  }
  // The Mounter to pass next to this; its calls in detail (flags, where each
  // target resolved) are in mounts().calls().
  shim::Mounter& mounter() { return mounter_; }
  const RecordingMounter& mounts() const { return mounter_.inner; }

  // --- Scripting ---
  void FailOn(std::string prefix) { fail_on_ = std::move(prefix); }
  void SetGo(bool go) { go_ = go; }
  void SetFile(const std::string& path, std::string content) { files_[path] = std::move(content); }
  void SetExecutable(const std::string& path) { executables_.insert(path); }
  void SetSeccompProgram(std::string bpf) { seccomp_bpf_ = std::move(bpf); }

  // --- ProcessOps ---
  bool AwaitGo() override {
    calls_.push_back("await G");
    return go_;
  }
  absl::Status UnshareCgroupNamespace() override {
    return Record("unshare cgroup", "unshare cgroup namespace");
  }
  absl::Status JoinNetworkNamespace(const std::string& path) override {
    return Record(absl::StrCat("setns net ", path),
                  absl::StrCat("join network namespace '", path, "'"));
  }
  absl::Status BringUpLoopback() override { return Record("lo up", "bring lo up"); }
  absl::Status SetHostname(const std::string& name) override {
    return Record(absl::StrCat("sethostname ", name), "sethostname");
  }
  absl::StatusOr<fs::ScopedFd> CloneTree(const std::string& source) override {
    BERTH_RETURN_IF_ERROR(
        Record(absl::StrCat("open_tree ", source), absl::StrCat("open_tree '", source, "'")));
    // A real, distinct descriptor stands for the detached tree, so that
    // AttachEtcFile can tell which clone it was given.
    fs::ScopedFd fd(open("/dev/null", O_RDONLY | O_CLOEXEC));
    trees_[fd.get()] = source;
    return fd;
  }
  absl::Status PivotRoot(const std::string& root) override {
    return Record(absl::StrCat("pivot_root ", root), "pivot_root");
  }
  absl::Status AttachEtcFile(int tree_fd, const std::string& target) override {
    auto it = trees_.find(tree_fd);
    std::string source = it == trees_.end() ? "<not a cloned tree>" : it->second;
    return Record(absl::StrCat("attach ", source, " onto ", target),
                  absl::StrCat("mount onto '", target, "'"));
  }
  absl::Status MakeDirs(const std::string& path) override {
    return Record(absl::StrCat("mkdir ", path), absl::StrCat("mkdir '", path, "'"));
  }
  std::string ReadUserDatabase(const std::string& path) override {
    calls_.push_back(absl::StrCat("read ", path));
    auto it = files_.find(path);
    return it == files_.end() ? "" : it->second;
  }
  shim::FileInfo Stat(const std::string& path) override {
    calls_.push_back(absl::StrCat("stat ", path));
    if (executables_.count(path) == 0) return shim::FileInfo{};
    return shim::FileInfo{true, false, true};
  }
  void Umask(mode_t mask) override { calls_.push_back(absl::StrFormat("umask %04o", mask)); }
  absl::Status Chdir(const std::string& path) override {
    return Record(absl::StrCat("chdir ", path), absl::StrCat("chdir to '", path, "'"));
  }
  absl::StatusOr<int> SetUpStdio(const spec::ShimConfig& c, const shim::InitFds&) override {
    BERTH_RETURN_IF_ERROR(Record(c.tty ? "stdio tty" : "stdio pipes", "dup2 stdio"));
    return c.tty ? kTtySlave : -1;
  }
  void ChownTerminal(int tty_fd, uid_t uid) override {
    calls_.push_back(absl::StrCat("chown tty ", tty_fd, " to ", uid));
  }
  absl::Status SwitchIds(const std::vector<gid_t>& groups, gid_t gid, uid_t uid) override {
    return Record(
        absl::StrCat("switch ids uid=", uid, " gid=", gid, " groups=", absl::StrJoin(groups, ",")),
        "setuid");
  }
  absl::StatusOr<std::string> ReadSeccompProgram(const spec::SecuritySpec&) override {
    BERTH_RETURN_IF_ERROR(Record("read seccomp program", "read the seccomp program"));
    return seccomp_bpf_;
  }
  absl::Status ApplyPathRestrictions(const spec::SecuritySpec& security) override {
    return Record(
        absl::StrCat("path restrictions masked=", absl::StrJoin(security.masked_paths, ","),
                     " readonly=", absl::StrJoin(security.readonly_paths, ",")),
        absl::StrCat("mask '", security.masked_paths.empty() ? "" : security.masked_paths[0], "'"));
  }
  absl::Status ApplyRlimits(const std::vector<spec::Rlimit>& rlimits) override {
    std::vector<std::string> names;
    for (const spec::Rlimit& r : rlimits)
      names.push_back(absl::StrCat(r.name, "=", r.soft, ":", r.hard));
    return Record(absl::StrCat("rlimits ", absl::StrJoin(names, ",")), "set ulimit");
  }
  absl::Status DropBoundingSet(uint64_t keep) override {
    return Record(absl::StrFormat("drop bounding set keep=%#x", keep),
                  "drop capability 0 from the bounding set");
  }
  absl::Status SetProcessCapabilities(uint64_t caps, bool keep_sys_admin) override {
    return Record(
        absl::StrFormat("set capabilities %#x keep_sys_admin=%d", caps, keep_sys_admin ? 1 : 0),
        "capset");
  }

 private:
  // Records into the shared list after the RecordingMounter has resolved the
  // call; a mount line carries the propagation and remount flags that tell
  // the root's calls apart: "mount bind / rec,private".
  class SequencedMounter : public shim::Mounter {
   public:
    explicit SequencedMounter(RecordingProcessOps& ops) : ops_(ops) {}
    absl::Status Mount(const shim::MountCall& call) override {
      BERTH_RETURN_IF_ERROR(inner.Mount(call));
      std::string line = inner.calls().back().Summary();
      std::vector<std::string> flags;
      if (call.flags & MS_BIND) flags.push_back("bind");
      if (call.flags & MS_REC) flags.push_back("rec");
      if (call.flags & MS_PRIVATE) flags.push_back("private");
      if (call.flags & MS_REMOUNT) flags.push_back("remount");
      if (call.flags & MS_RDONLY) flags.push_back("ro");
      if (!flags.empty()) absl::StrAppend(&line, " ", absl::StrJoin(flags, ","));
      return ops_.Record(line, call.error_context);
    }
    absl::Status Mknod(const shim::NodeCall& call) override {
      BERTH_RETURN_IF_ERROR(inner.Mknod(call));
      return ops_.Record(inner.calls().back().Summary(),
                         absl::StrCat("mknod '", call.in_root, "'"));
    }
    absl::Status Symlink(const shim::SymlinkCall& call) override {
      BERTH_RETURN_IF_ERROR(inner.Symlink(call));
      return ops_.Record(inner.calls().back().Summary(),
                         absl::StrCat("symlink '", call.in_root, "'"));
    }
    RecordingMounter inner;

   private:
    RecordingProcessOps& ops_;
  };

  // Appends `line`; fails it (EPERM, `context`) when it is the scripted one.
  absl::Status Record(std::string line, const std::string& context) {
    bool fail = !fail_on_.empty() && absl::StartsWith(line, fail_on_);
    calls_.push_back(std::move(line));
    if (fail) {
      fail_on_.clear();
      return ErrnoToStatus(EPERM, context);
    }
    return absl::OkStatus();
  }

  SequencedMounter mounter_;
  std::vector<std::string> calls_;
  std::string fail_on_;
  bool go_ = true;
  std::map<std::string, std::string> files_;
  std::set<std::string> executables_;
  std::string seccomp_bpf_;
  std::map<int, std::string> trees_;
};

}  // namespace berth::runtimed::testing
