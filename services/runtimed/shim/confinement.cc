#include "services/runtimed/shim/confinement.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "common/fs/fs.h"
#include "common/status/status.h"
#include "services/runtimed/security/seccomp_filter.h"
#include "services/runtimed/spec/capabilities.h"

namespace berth::runtimed::shim {
namespace {

constexpr int kCapSysAdmin = 21;

absl::Status Capset(uint64_t permitted, uint64_t effective, uint64_t inheritable) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  data[0].permitted = static_cast<uint32_t>(permitted);
  data[1].permitted = static_cast<uint32_t>(permitted >> 32);
  data[0].effective = static_cast<uint32_t>(effective);
  data[1].effective = static_cast<uint32_t>(effective >> 32);
  data[0].inheritable = static_cast<uint32_t>(inheritable);
  data[1].inheritable = static_cast<uint32_t>(inheritable >> 32);
  if (syscall(SYS_capset, &header, data) != 0) return ErrnoToStatus(errno, "capset");
  return absl::OkStatus();
}

int LastCapability() {
  int last = 40;
  fs::ScopedFd fd(open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC));
  char buf[16] = {};
  if (fd.valid() && read(fd.get(), buf, sizeof(buf) - 1) > 0) last = atoi(buf);
  return last;
}

}  // namespace

absl::Status ApplyRlimits(const std::vector<spec::Rlimit>& rlimits) {
  for (const auto& r : rlimits) {
    int resource = spec::RlimitResource(r.name);
    if (resource < 0) return absl::InvalidArgumentError("invalid ulimit type: " + r.name);
    rlimit value{r.soft, r.hard};
    if (setrlimit(resource, &value) != 0) {
      return ErrnoToStatus(errno, absl::StrCat("set ulimit ", r.name, "=", r.soft, ":", r.hard));
    }
  }
  return absl::OkStatus();
}

absl::Status DropBoundingSet(uint64_t keep) {
  int last = LastCapability();
  for (int cap = 0; cap <= last && cap < 64; ++cap) {
    if (keep & (uint64_t{1} << cap)) continue;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) {
      return ErrnoToStatus(errno, absl::StrCat("drop capability ", cap, " from the bounding set"));
    }
  }
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) {
    return ErrnoToStatus(errno, "clear ambient capabilities");
  }
  return absl::OkStatus();
}

absl::Status SetProcessCapabilities(uint64_t caps, bool keep_sys_admin) {
  uint64_t set = caps;
  if (keep_sys_admin) set |= uint64_t{1} << kCapSysAdmin;
  // Inheritable stays empty, as in Docker since CVE-2022-24769: with it set,
  // a non-root process could gain capabilities by executing a file with
  // inheritable file capabilities.
  return Capset(set, set, 0);
}

absl::StatusOr<std::string> ReadSeccompProgram(const spec::SecuritySpec& security) {
  if (security.seccomp_profile.empty()) return std::string();
  // Fail closed: a profile without its program must not start unfiltered.
  if (security.seccomp_program_file.empty()) {
    return absl::FailedPreconditionError("the shim config has a seccomp profile but no program");
  }
  absl::StatusOr<std::string> program = fs::ReadFile(security.seccomp_program_file);
  if (!program.ok()) {
    return absl::Status(program.status().code(), absl::StrCat("read the seccomp program: ",
                                                              program.status().message()));
  }
  if (program->empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("the seccomp program '", security.seccomp_program_file, "' is empty"));
  }
  return program;
}

absl::Status FinalizeBeforeExec(const spec::SecuritySpec& security, const std::string& bpf) {
  if (security.no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    return ErrnoToStatus(errno, "set no_new_privs");
  }
  if (!bpf.empty()) {
    absl::Status loaded = security::LoadSeccompBpf(bpf);
    if (!loaded.ok()) {
      return absl::Status(loaded.code(), absl::StrCat("load seccomp filter: ", loaded.message()));
    }
  }
  if (NeedsSysAdminForSeccomp(security)) {
    uint64_t caps = spec::CapabilityMask(security.capabilities);
    absl::Status status = Capset(caps, caps, 0);
    if (!status.ok()) {
      return absl::PermissionDeniedError(absl::StrCat(
          "drop capabilities after loading the seccomp profile (does it allow capset?): ",
          status.message()));
    }
  }
  return absl::OkStatus();
}

absl::Status ApplyPathRestrictions(const spec::SecuritySpec& security) {
  for (const auto& path : security.masked_paths) {
    struct stat st{};
    if (lstat(path.c_str(), &st) != 0) continue;  // absent on this kernel
    int rc = S_ISDIR(st.st_mode)
                 ? mount("tmpfs", path.c_str(), "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                         "size=0")
                 : mount("/dev/null", path.c_str(), nullptr, MS_BIND, nullptr);
    if (rc != 0) return ErrnoToStatus(errno, absl::StrCat("mask '", path, "'"));
  }
  for (const auto& path : security.readonly_paths) {
    struct stat st{};
    if (lstat(path.c_str(), &st) != 0) continue;
    if (mount(path.c_str(), path.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0 ||
        mount(nullptr, path.c_str(), nullptr,
              MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) {
      return ErrnoToStatus(errno, absl::StrCat("make '", path, "' read-only"));
    }
  }
  return absl::OkStatus();
}

}  // namespace berth::runtimed::shim
