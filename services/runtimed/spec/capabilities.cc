#include "services/runtimed/spec/capabilities.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace berth::runtimed::spec {
namespace {

bool Contains(const std::vector<std::string>& list, const std::string& name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

absl::StatusOr<std::vector<std::string>> NormalizeAll(const std::vector<std::string>& names,
                                                      const char* field) {
  std::vector<std::string> out;
  for (const auto& name : names) {
    absl::StatusOr<std::string> n = NormalizeCapability(name);
    if (!n.ok()) return absl::InvalidArgumentError(absl::StrCat("invalid ", field, ": ", n.status().message()));
    if (!Contains(out, *n)) out.push_back(*n);
  }
  return out;
}

}  // namespace

const std::vector<std::string>& AllCapabilityNames() {
  // Index = the kernel's capability number (linux/capability.h).
  static const auto* kNames = new std::vector<std::string>{
      "CAP_CHOWN",           "CAP_DAC_OVERRIDE",   "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
      "CAP_FSETID",          "CAP_KILL",           "CAP_SETGID",          "CAP_SETUID",
      "CAP_SETPCAP",         "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
      "CAP_NET_ADMIN",       "CAP_NET_RAW",        "CAP_IPC_LOCK",        "CAP_IPC_OWNER",
      "CAP_SYS_MODULE",      "CAP_SYS_RAWIO",      "CAP_SYS_CHROOT",      "CAP_SYS_PTRACE",
      "CAP_SYS_PACCT",       "CAP_SYS_ADMIN",      "CAP_SYS_BOOT",        "CAP_SYS_NICE",
      "CAP_SYS_RESOURCE",    "CAP_SYS_TIME",       "CAP_SYS_TTY_CONFIG",  "CAP_MKNOD",
      "CAP_LEASE",           "CAP_AUDIT_WRITE",    "CAP_AUDIT_CONTROL",   "CAP_SETFCAP",
      "CAP_MAC_OVERRIDE",    "CAP_MAC_ADMIN",      "CAP_SYSLOG",          "CAP_WAKE_ALARM",
      "CAP_BLOCK_SUSPEND",   "CAP_AUDIT_READ",     "CAP_PERFMON",         "CAP_BPF",
      "CAP_CHECKPOINT_RESTORE"};
  return *kNames;
}

const std::vector<std::string>& DefaultCapabilities() {
  static const auto* kDefault = new std::vector<std::string>{
      "CAP_CHOWN",  "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",
      "CAP_MKNOD",  "CAP_NET_RAW",      "CAP_SETGID",           "CAP_SETUID",
      "CAP_SETFCAP", "CAP_SETPCAP",     "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
      "CAP_KILL",   "CAP_AUDIT_WRITE"};
  return *kDefault;
}

int CapabilityNumber(const std::string& name) {
  const auto& all = AllCapabilityNames();
  auto it = std::find(all.begin(), all.end(), name);
  return it == all.end() ? -1 : static_cast<int>(it - all.begin());
}

absl::StatusOr<std::string> NormalizeCapability(const std::string& name) {
  std::string upper = absl::AsciiStrToUpper(name);
  if (upper == "ALL") return upper;
  if (!absl::StartsWith(upper, "CAP_")) upper = "CAP_" + upper;
  if (CapabilityNumber(upper) < 0) {
    return absl::InvalidArgumentError(absl::StrCat("unknown capability: \"", upper, "\""));
  }
  return upper;
}

std::vector<std::string> CapabilitiesInMask(uint64_t host_mask) {
  std::vector<std::string> out;
  const auto& all = AllCapabilityNames();
  for (size_t i = 0; i < all.size(); ++i) {
    if (host_mask & (uint64_t{1} << i)) out.push_back(all[i]);
  }
  return out;
}

uint64_t CapabilityMask(const std::vector<std::string>& names) {
  uint64_t mask = 0;
  for (const auto& name : names) {
    int n = CapabilityNumber(name);
    if (n >= 0) mask |= uint64_t{1} << n;
  }
  return mask;
}

absl::StatusOr<std::vector<std::string>> ResolveCapabilities(const std::vector<std::string>& add,
                                                             const std::vector<std::string>& drop,
                                                             bool privileged, uint64_t host_mask) {
  std::vector<std::string> host = CapabilitiesInMask(host_mask);
  absl::StatusOr<std::vector<std::string>> adds = NormalizeAll(add, "CapAdd");
  if (!adds.ok()) return adds.status();
  absl::StatusOr<std::vector<std::string>> drops = NormalizeAll(drop, "CapDrop");
  if (!drops.ok()) return drops.status();
  if (privileged) return host;
  for (const auto& name : *adds) {
    if (name != "ALL" && !Contains(host, name)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "invalid CapAdd: capability \"", name, "\" is not available on this host"));
    }
  }
  std::vector<std::string> result;
  auto keep = [&](const std::string& c) {
    if (!Contains(*drops, c) && !Contains(result, c)) result.push_back(c);
  };
  if (Contains(*adds, "ALL")) {
    for (const auto& c : host) keep(c);
    return result;
  }
  if (Contains(*drops, "ALL")) {
    for (const auto& c : *adds) {
      if (!Contains(result, c)) result.push_back(c);
    }
    return result;
  }
  for (const auto& c : DefaultCapabilities()) {
    if (Contains(host, c)) keep(c);
  }
  for (const auto& c : *adds) {
    if (!Contains(result, c)) result.push_back(c);
  }
  return result;
}

}  // namespace berth::runtimed::spec
