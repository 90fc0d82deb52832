// cgroup v2 device control: v2 has no devices.allow file; access to device
// nodes is decided by an eBPF program (BPF_PROG_TYPE_CGROUP_DEVICE) attached
// to the cgroup, as runc and crun do. This file turns the same rules the v1
// driver writes to devices.allow ("c 1:3 rwm", "b *:* m", "a *:* rwm") into
// that program: deny unless a rule allows. Pure (no syscalls): the program is
// unit-tested by evaluating it; device_program.h loads and attaches it.
#pragma once

#include <linux/bpf.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::runtimed::cgroups {

struct DeviceRule {
  char type = 'a';       // 'a' (all), 'b' (block), 'c' (char)
  int64_t major = -1;    // -1 = "*"
  int64_t minor = -1;    // -1 = "*"
  bool read = false;     // 'r'
  bool write = false;    // 'w'
  bool mknod = false;    // 'm'

  bool operator==(const DeviceRule&) const = default;
};

// "TYPE MAJOR:MINOR ACCESS" as in devices.allow. InvalidArgument otherwise.
absl::StatusOr<DeviceRule> ParseDeviceRule(const std::string& text);

// The program for `rules`, each an allow: it returns 1 (allow) for the first
// rule matching the access's type, major, minor and access bits, else 0.
std::vector<bpf_insn> BuildDeviceFilter(const std::vector<DeviceRule>& rules);

}  // namespace berth::runtimed::cgroups
