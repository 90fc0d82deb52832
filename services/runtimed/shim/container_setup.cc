#include "services/runtimed/shim/container_setup.h"

#include <sys/mount.h>

#include "common/fs/fs.h"
#include "common/status/status.h"
#include "services/runtimed/shim/confinement.h"
#include "services/runtimed/shim/rootfs_apply.h"
#include "services/runtimed/shim/rootfs_plan.h"
#include "services/runtimed/spec/capabilities.h"

namespace berth::runtimed::shim {
namespace {

using spec::ShimConfig;

// A propagation change or remount of the current root, through the Mounter
// like every other mount (the error text is the one users have always seen).
absl::Status MountRoot(Mounter& mounter, unsigned long flags) {
  return mounter.Mount({.source = "",
                        .target = "/",
                        .in_root = "/",
                        .fstype = "",
                        .flags = flags,
                        .data = "",
                        .error_context = "mount bind on '/'"});
}

absl::Status SetUpRootfs(const ShimConfig& c, Mounter& mounter) {
  // A read of the host's /dev, only for --privileged; left direct.
  std::vector<DeviceNode> host_devices;
  if (c.security.host_devices) host_devices = ScanHostDevices();
  BERTH_ASSIGN_OR_RETURN(std::vector<RootfsStep> steps, PlanRootfs(c, host_devices));
  return ApplyRootfsPlan(steps, c.rootfs_dir, mounter);
}

// The generated /etc files are cloned as detached bind mounts (open_tree)
// before pivot_root and attached (move_mount) after it, so that the targets
// resolve inside the new root: an image's /etc/resolv.conf symlink cannot
// point the mount at the host.
struct EtcFile {
  std::string target;
  fs::ScopedFd tree;
};

absl::StatusOr<std::vector<EtcFile>> CloneEtcFiles(const ShimConfig& c, ProcessOps& ops) {
  std::vector<EtcFile> files;
  for (auto [source, target] : {std::pair{c.hostname_file, "/etc/hostname"},
                                {c.hosts_file, "/etc/hosts"},
                                {c.resolv_conf_file, "/etc/resolv.conf"}}) {
    if (source.empty()) continue;
    BERTH_ASSIGN_OR_RETURN(fs::ScopedFd tree, ops.CloneTree(source));
    files.push_back(EtcFile{target, std::move(tree)});
  }
  return files;
}

absl::Status AttachEtcFiles(const std::vector<EtcFile>& files, ProcessOps& ops) {
  for (const EtcFile& f : files) {
    BERTH_RETURN_IF_ERROR(ops.AttachEtcFile(f.tree.get(), f.target));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ResolvedUser> SwitchUser(const ShimConfig& c, int tty_slave, ProcessOps& ops) {
  std::string group = ops.ReadUserDatabase("/etc/group");
  BERTH_ASSIGN_OR_RETURN(ResolvedUser user,
                         ResolveUser(c.user, ops.ReadUserDatabase("/etc/passwd"), group));
  BERTH_ASSIGN_OR_RETURN(std::vector<gid_t> added, ResolveAdditionalGroups(c.group_add, group));
  std::vector<gid_t> groups = SupplementaryGroups(user, added);
  if (tty_slave >= 0) ops.ChownTerminal(tty_slave, user.uid);
  // The permitted set survives setuid; SetProcessCapabilities then sets
  // exactly the container's capabilities.
  BERTH_RETURN_IF_ERROR(ops.SwitchIds(groups, user.gid, user.uid));
  return user;
}

absl::StatusOr<std::string> SetUpContainer(const ShimConfig& c, const InitFds& fds,
                                           std::vector<std::string>& env, std::string* seccomp_bpf,
                                           ProcessOps& ops, Mounter& mounter) {
  if (!ops.AwaitGo()) return absl::AbortedError("shim went away");
  BERTH_ASSIGN_OR_RETURN(*seccomp_bpf, ops.ReadSeccompProgram(c.security));
  // Unshared only now that the shim has placed us in our cgroups, so the
  // namespace's root is the container's cgroup.
  BERTH_RETURN_IF_ERROR(ops.UnshareCgroupNamespace());
  if (!c.netns_path.empty()) {
    BERTH_RETURN_IF_ERROR(ops.JoinNetworkNamespace(c.netns_path));
  } else {
    BERTH_RETURN_IF_ERROR(ops.BringUpLoopback());
  }
  // Nothing we mount may propagate back to the host (and pivot_root refuses
  // shared mounts).
  BERTH_RETURN_IF_ERROR(MountRoot(mounter, MS_REC | MS_PRIVATE));
  ops.Umask(0);
  BERTH_RETURN_IF_ERROR(SetUpRootfs(c, mounter));
  BERTH_ASSIGN_OR_RETURN(std::vector<EtcFile> etc, CloneEtcFiles(c, ops));
  BERTH_RETURN_IF_ERROR(ops.PivotRoot(c.rootfs_dir));
  BERTH_RETURN_IF_ERROR(AttachEtcFiles(etc, ops));
  // Everything below resolves inside the container's root: the host's tree
  // is no longer reachable.
  const std::string cwd = c.cwd.empty() ? "/" : c.cwd;
  BERTH_RETURN_IF_ERROR(ops.MakeDirs(cwd));
  BERTH_RETURN_IF_ERROR(ops.ApplyPathRestrictions(c.security));
  if (c.security.readonly_rootfs) {
    BERTH_RETURN_IF_ERROR(MountRoot(mounter, MS_BIND | MS_REMOUNT | MS_RDONLY));
  }
  BERTH_RETURN_IF_ERROR(ops.SetHostname(c.hostname));
  BERTH_ASSIGN_OR_RETURN(int tty_slave, ops.SetUpStdio(c, fds));
  BERTH_RETURN_IF_ERROR(ops.ApplyRlimits(c.security.rlimits));
  uint64_t caps = spec::CapabilityMask(c.security.capabilities);
  BERTH_RETURN_IF_ERROR(ops.DropBoundingSet(caps));
  BERTH_ASSIGN_OR_RETURN(ResolvedUser user, SwitchUser(c, tty_slave, ops));
  BERTH_RETURN_IF_ERROR(ops.SetProcessCapabilities(caps, NeedsSysAdminForSeccomp(c.security)));
  if (EnvValue(env, "HOME").empty()) env.push_back("HOME=" + user.home);
  BERTH_RETURN_IF_ERROR(ops.Chdir(cwd));
  ops.Umask(022);
  return FindExecutable(c.args.empty() ? "" : c.args[0], EnvValue(env, "PATH"),
                        [&ops](const std::string& path) { return ops.Stat(path); });
}

}  // namespace berth::runtimed::shim
