#include "services/runtimed/cgroups/device_program.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/fs/fs.h"
#include "common/status/status.h"

namespace berth::runtimed::cgroups {
namespace {

int Bpf(int command, bpf_attr* attr) {
  return static_cast<int>(::syscall(__NR_bpf, command, attr, sizeof(*attr)));
}

}  // namespace

absl::Status AttachDeviceProgram(const std::string& cgroup_dir, const std::vector<bpf_insn>& program) {
  fs::ScopedFd dir(::open(cgroup_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir.valid()) return ErrnoToStatus(errno, absl::StrCat("open cgroup '", cgroup_dir, "'"));

  static constexpr char kLicense[] = "Apache-2.0";  // uses no GPL-only helper
  std::string verifier_log(16 * 1024, '\0');
  bpf_attr load{};
  load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  load.insns = reinterpret_cast<uint64_t>(program.data());
  load.insn_cnt = static_cast<uint32_t>(program.size());
  load.license = reinterpret_cast<uint64_t>(kLicense);
  load.log_buf = reinterpret_cast<uint64_t>(verifier_log.data());
  load.log_size = static_cast<uint32_t>(verifier_log.size());
  load.log_level = 1;
  fs::ScopedFd prog(Bpf(BPF_PROG_LOAD, &load));
  if (!prog.valid()) {
    int err = errno;
    verifier_log.resize(::strnlen(verifier_log.c_str(), verifier_log.size()));
    return ErrnoToStatus(err, absl::StrCat("load the device cgroup program",
                                           verifier_log.empty() ? "" : " (verifier: ",
                                           verifier_log, verifier_log.empty() ? "" : ")"));
  }
  bpf_attr attach{};
  attach.target_fd = static_cast<uint32_t>(dir.get());
  attach.attach_bpf_fd = static_cast<uint32_t>(prog.get());
  attach.attach_type = BPF_CGROUP_DEVICE;
  attach.attach_flags = BPF_F_ALLOW_MULTI;
  if (Bpf(BPF_PROG_ATTACH, &attach) != 0) {
    return ErrnoToStatus(errno, absl::StrCat("attach the device program to '", cgroup_dir, "'"));
  }
  return absl::OkStatus();
}

}  // namespace berth::runtimed::cgroups
