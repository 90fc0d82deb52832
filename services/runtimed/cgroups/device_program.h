// Loads a cgroup device program (device_filter.h) into the kernel and
// attaches it to a cgroup v2 directory. Privileged (CAP_SYS_ADMIN or
// CAP_BPF); the only bpf(2) calls in Berth. The attachment lives as long as
// the cgroup does: the program's fd is closed on return.
#pragma once

#include <linux/bpf.h>

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace berth::runtimed::cgroups {

// BPF_PROG_LOAD (with the verifier's log in the error when it refuses) then
// BPF_PROG_ATTACH as BPF_CGROUP_DEVICE with BPF_F_ALLOW_MULTI.
absl::Status AttachDeviceProgram(const std::string& cgroup_dir, const std::vector<bpf_insn>& program);

}  // namespace berth::runtimed::cgroups
