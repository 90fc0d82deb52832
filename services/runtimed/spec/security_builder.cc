#include "services/runtimed/spec/security_builder.h"

#include <cstdint>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/fs/fs.h"
#include "common/status/status.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/runtimed/security/seccomp_profile.h"
#include "services/runtimed/spec/capabilities.h"

namespace berth::runtimed::spec {
namespace {

// "" → Docker's default profile for `caps`; "unconfined" → no filter; else a
// profile in Docker's JSON format, resolved for `caps` so the shim needs no
// knowledge of capabilities to load it.
absl::StatusOr<std::string> ResolveSeccomp(const std::string& requested,
                                           const std::vector<std::string>& caps) {
  if (requested == "unconfined") return std::string();
  if (requested.empty()) {
    return security::SeccompProfileToJson(security::DefaultSeccompProfile(caps));
  }
  absl::StatusOr<security::SeccompProfile> profile =
      security::ParseDockerSeccompProfile(requested, caps);
  if (!profile.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid seccomp profile: ", profile.status().message()));
  }
  return security::SeccompProfileToJson(*profile);
}

}  // namespace

uint64_t BoundingSetFromStatus(const std::string& proc_status) {
  for (absl::string_view line : absl::StrSplit(proc_status, '\n')) {
    if (absl::ConsumePrefix(&line, "CapBnd:")) {
      uint64_t mask = 0;
      if (absl::SimpleHexAtoi(absl::StripAsciiWhitespace(line), &mask)) return mask;
    }
  }
  return 0;
}

HostFacts HostFacts::OfThisProcess() {
  HostFacts host;
  absl::StatusOr<std::string> status = fs::ReadFile("/proc/self/status");
  host.capability_mask = status.ok() ? BoundingSetFromStatus(*status) : 0;
  host.resources = HostResources::Probe();
  return host;
}

const std::vector<std::string>& DefaultMaskedPaths() {
  static const auto* kPaths = new std::vector<std::string>{
      "/proc/asound",        "/proc/acpi",        "/proc/interrupts",
      "/proc/kcore",         "/proc/keys",        "/proc/latency_stats",
      "/proc/timer_list",    "/proc/timer_stats", "/proc/sched_debug",
      "/proc/scsi",          "/sys/firmware",     "/sys/devices/virtual/powercap"};
  return *kPaths;
}

const std::vector<std::string>& DefaultReadonlyPaths() {
  static const auto* kPaths = new std::vector<std::string>{
      "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"};
  return *kPaths;
}

const std::vector<std::string>& DefaultDeviceRules() {
  // mknod of any node is allowed (CAP_MKNOD is a default capability), but
  // reading or writing one only for the standard nodes: a container that makes
  // /dev/sda cannot open it.
  static const auto* kRules = new std::vector<std::string>{
      "c *:* m",    "b *:* m",    "c 1:3 rwm",   "c 1:5 rwm",   "c 1:7 rwm",  "c 1:8 rwm",
      "c 1:9 rwm",  "c 5:0 rwm",  "c 5:1 rwm",   "c 5:2 rwm",   "c 136:* rwm", "c 10:200 rwm"};
  return *kRules;
}

absl::StatusOr<SecuritySpec> BuildSecuritySpec(const v1::SecurityOptions& o,
                                               const HostFacts& host) {
  SecuritySpec s;
  BERTH_ASSIGN_OR_RETURN(
      s.capabilities,
      ResolveCapabilities({o.cap_add().begin(), o.cap_add().end()},
                          {o.cap_drop().begin(), o.cap_drop().end()}, o.privileged(),
                          host.capability_mask));
  s.no_new_privileges = o.no_new_privileges();
  if (o.privileged()) {
    // Docker: a privileged container gets no seccomp filter, whatever the
    // option says, nothing masked and every device.
    s.device_rules = {"a *:* rwm"};
    s.host_devices = true;
  } else {
    BERTH_ASSIGN_OR_RETURN(s.seccomp_profile, ResolveSeccomp(o.seccomp_profile(), s.capabilities));
    s.masked_paths = DefaultMaskedPaths();
    s.readonly_paths = DefaultReadonlyPaths();
    s.device_rules = DefaultDeviceRules();
  }
  s.readonly_rootfs = o.read_only_rootfs();
  std::vector<Rlimit> requested;
  for (const auto& u : o.ulimits()) {
    if (u.soft() < -1 || u.hard() < -1) {
      return absl::InvalidArgumentError(absl::StrCat("invalid ulimit ", u.name(), ": negative value"));
    }
    // Docker sends -1 for "unlimited".
    auto value = [](int64_t v) { return v < 0 ? UINT64_MAX : static_cast<uint64_t>(v); };
    requested.push_back(Rlimit{u.name(), value(u.soft()), value(u.hard())});
  }
  BERTH_ASSIGN_OR_RETURN(s.rlimits, ResolveRlimits(requested, host.hard_limit));
  s.pids_limit = host.default_pids_limit;
  return s;
}

}  // namespace berth::runtimed::spec
