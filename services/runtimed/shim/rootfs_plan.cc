#include "services/runtimed/shim/rootfs_plan.h"

#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/runtimed/shim/init_helpers.h"

namespace berth::runtimed::shim {
namespace {

using Kind = RootfsStep::Kind;

RootfsStep Mkdir(std::string target, int mode = 0755) {
  RootfsStep step;
  step.kind = Kind::kMkdir;
  step.target = std::move(target);
  step.mode = mode;
  return step;
}

RootfsStep Mount(std::string source, std::string target, std::string fstype,
                 unsigned long flags, std::string data) {
  RootfsStep step;
  step.kind = Kind::kMount;
  step.source = std::move(source);
  step.target = std::move(target);
  step.fstype = std::move(fstype);
  step.flags = flags;
  step.data = std::move(data);
  return step;
}

absl::Status PlanImageMounts(const spec::ShimConfig& c, std::vector<RootfsStep>& steps) {
  bool have_root = false;
  steps.push_back(Mkdir(c.rootfs_dir));
  for (const auto& m : c.mounts) {
    bool is_root = m.target.empty() || m.target == "/";
    if (!is_root && (m.target[0] != '/' || absl::StrContains(m.target, ".."))) {
      return absl::InvalidArgumentError(absl::StrCat("bad mount target '", m.target, "'"));
    }
    std::string target = is_root ? c.rootfs_dir : c.rootfs_dir + m.target;
    if (!is_root) steps.push_back(Mkdir(target));
    MountArgs args = ParseMountOptions(m.type, m.options);
    bool bind = (args.flags & MS_BIND) != 0;
    steps.push_back(Mount(m.source, target, bind ? "" : m.type,
                          bind ? args.flags & ~MS_RDONLY : args.flags, args.data));
    if (bind && (args.flags & MS_RDONLY)) {
      RootfsStep ro;
      ro.kind = Kind::kRemountReadOnly;
      ro.target = target;
      steps.push_back(ro);
    }
    have_root |= is_root;
  }
  if (!have_root) return absl::InvalidArgumentError("no rootfs mount in the container record");
  return absl::OkStatus();
}

void PlanDev(const std::string& root, const std::vector<DeviceNode>& host_devices,
             int64_t shm_size, std::vector<RootfsStep>& steps) {
  std::string dev = root + "/dev";
  steps.push_back(Mkdir(dev));
  steps.push_back(Mount("tmpfs", dev, "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k"));
  struct Node {
    const char* name;
    unsigned major, minor;
  };
  for (const Node& n : {Node{"null", 1, 3}, Node{"zero", 1, 5}, Node{"full", 1, 7},
                        Node{"random", 1, 8}, Node{"urandom", 1, 9}, Node{"tty", 5, 0}}) {
    RootfsStep node;
    node.kind = Kind::kMknod;
    node.target = absl::StrCat(dev, "/", n.name);
    node.mode = 0666;
    node.major = n.major;
    node.minor = n.minor;
    steps.push_back(node);
  }
  // Names the container's /dev has already or gets below (nodes, links,
  // mount points): a host node of the same name (the host's /dev/ptmx) is
  // not copied over them.
  std::set<std::string> made = {"null", "zero",  "full",   "random", "urandom", "tty",
                                "fd",   "stdin", "stdout", "stderr", "ptmx",    "core",
                                "pts",  "shm",   "mqueue"};
  std::set<std::string> dirs;
  for (const DeviceNode& d : host_devices) {
    size_t slash = d.path.rfind('/');
    if (d.path.empty() || d.path[0] == '/' || absl::StrContains(d.path, "..") ||
        made.count(d.path) > 0 ||
        (slash != std::string::npos && made.count(d.path.substr(0, slash)) > 0)) {
      continue;
    }
    made.insert(d.path);
    if (slash != std::string::npos && dirs.insert(d.path.substr(0, slash)).second) {
      steps.push_back(Mkdir(absl::StrCat(dev, "/", d.path.substr(0, slash))));
    }
    RootfsStep node;
    node.kind = Kind::kMknod;
    node.target = absl::StrCat(dev, "/", d.path);
    node.mode = d.mode;
    node.major = d.major;
    node.minor = d.minor;
    node.block = d.block;
    steps.push_back(node);
  }
  for (auto [name, target] : {std::pair{"fd", "/proc/self/fd"}, {"stdin", "/proc/self/fd/0"},
                              {"stdout", "/proc/self/fd/1"}, {"stderr", "/proc/self/fd/2"},
                              {"ptmx", "pts/ptmx"}, {"core", "/proc/kcore"}}) {
    RootfsStep link;
    link.kind = Kind::kSymlink;
    link.target = absl::StrCat(dev, "/", name);
    link.source = target;
    steps.push_back(link);
  }
  steps.push_back(Mkdir(dev + "/pts"));
  // A private devpts instance: the container's ptys are numbered from 0 and
  // invisible to the host's /dev/pts.
  steps.push_back(Mount("devpts", dev + "/pts", "devpts", MS_NOSUID | MS_NOEXEC,
                        "newinstance,ptmxmode=0666,mode=0620,gid=5"));
  steps.push_back(Mkdir(dev + "/shm", 01777));
  steps.push_back(Mount("shm", dev + "/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                        absl::StrCat("mode=1777,size=", shm_size / 1024, "k")));
  // POSIX message queues (mq_open) live here; mounted by the init, which is
  // already in the container's IPC namespace, so it shows only its queues.
  steps.push_back(Mkdir(dev + "/mqueue"));
  steps.push_back(Mount("mqueue", dev + "/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, ""));
}

unsigned long PropagationFlags(const std::string& option) {
  static const auto* kFlags = new std::map<std::string, unsigned long>{
      {"private", MS_PRIVATE}, {"rprivate", MS_PRIVATE | MS_REC},
      {"shared", MS_SHARED},   {"rshared", MS_SHARED | MS_REC},
      {"slave", MS_SLAVE},     {"rslave", MS_SLAVE | MS_REC}};
  auto it = kFlags->find(option);
  return it == kFlags->end() ? 0 : it->second;
}

absl::Status PlanContainerMounts(const spec::ShimConfig& c, std::vector<RootfsStep>& steps) {
  for (const auto& m : c.container_mounts) {
    if (m.target.size() < 2 || m.target[0] != '/' || absl::StrContains(m.target, "..")) {
      return absl::InvalidArgumentError(absl::StrCat("bad mount target '", m.target, "'"));
    }
    std::string target = c.rootfs_dir + m.target;
    if (m.copy_up) {
      RootfsStep copy;
      copy.kind = Kind::kCopyUp;
      copy.source = m.source;
      copy.target = target;
      steps.push_back(copy);
    }
    if (m.file) {
      steps.push_back(Mkdir(target.substr(0, target.rfind('/'))));
      RootfsStep file;
      file.kind = Kind::kMkfile;
      file.target = target;
      file.mode = 0644;
      steps.push_back(file);
    } else {
      steps.push_back(Mkdir(target));
    }
    unsigned long propagation = 0;
    std::vector<std::string> options;
    for (const auto& o : m.options) {
      unsigned long p = PropagationFlags(o);
      if (p != 0) {
        propagation = p;
      } else {
        options.push_back(o);
      }
    }
    MountArgs args = ParseMountOptions(m.type, options);
    bool bind = (args.flags & MS_BIND) != 0;
    steps.push_back(Mount(m.source, target, bind ? "" : m.type,
                          bind ? args.flags & ~MS_RDONLY : args.flags, bind ? "" : args.data));
    if (bind && propagation != 0) steps.push_back(Mount("", target, "", propagation, ""));
    if (bind && (args.flags & MS_RDONLY)) {
      RootfsStep ro;
      ro.kind = Kind::kRemountReadOnly;
      ro.target = target;
      steps.push_back(ro);
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<DeviceNode> ScanHostDevices(const std::string& dev_dir) {
  std::vector<DeviceNode> out;
  std::error_code ec;
  auto options = std::filesystem::directory_options::skip_permission_denied;
  for (std::filesystem::recursive_directory_iterator it(dev_dir, options, ec), end;
       !ec && it != end; it.increment(ec)) {
    std::string rel = std::filesystem::relative(it->path(), dev_dir, ec).string();
    if (it->is_symlink(ec)) continue;
    if (it->is_directory(ec)) {
      if (it.depth() >= 1 || rel == "pts" || rel == "shm" || rel == "mqueue") {
        it.disable_recursion_pending();
      }
      continue;
    }
    struct stat st{};
    if (lstat(it->path().c_str(), &st) != 0 || !(S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))) {
      continue;
    }
    out.push_back(DeviceNode{rel, S_ISBLK(st.st_mode), major(st.st_rdev), minor(st.st_rdev),
                             static_cast<int>(st.st_mode & 07777)});
  }
  std::sort(out.begin(), out.end(),
            [](const DeviceNode& a, const DeviceNode& b) { return a.path < b.path; });
  return out;
}

absl::StatusOr<std::vector<RootfsStep>> PlanRootfs(const spec::ShimConfig& c,
                                                   const std::vector<DeviceNode>& host_devices) {
  std::vector<RootfsStep> steps;
  absl::Status status = PlanImageMounts(c, steps);
  if (!status.ok()) return status;
  const std::string& root = c.rootfs_dir;
  steps.push_back(Mkdir(root + "/proc"));
  // Mounted by pid 1 of the new pid namespace, so it shows only the container.
  steps.push_back(Mount("proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, ""));
  if (c.shm_size <= 0) return absl::InvalidArgumentError("SHM size can not be less than 0");
  PlanDev(root, host_devices, c.shm_size, steps);
  steps.push_back(Mkdir(root + "/sys"));
  steps.push_back(
      Mount("sysfs", root + "/sys", "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, ""));
  status = PlanContainerMounts(c, steps);
  if (!status.ok()) return status;
  return steps;
}

}  // namespace berth::runtimed::shim
