#include "services/runtimed/security/seccomp_profile.h"

#include <sys/utsname.h>

#include <algorithm>
#include <cstdio>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status/status.h"
#include "nlohmann/json.hpp"
#include "services/runtimed/security/seccomp_profile_internal.h"

namespace berth::runtimed::security {
namespace {

using internal::ArchMapEntry;
using internal::ConditionalRule;
using internal::KernelVersion;
using internal::RuleCondition;
using internal::UnresolvedProfile;
using nlohmann::json;

constexpr size_t kMaxProfileBytes = 1 << 20;
// The kernel's MAX_ERRNO: larger values would read as a valid return value.
constexpr int kMaxErrno = 4095;
// SECCOMP_RET_DATA is 16 bits wide; TRACE passes it to the tracer.
constexpr int kMaxTraceData = 0xffff;

constexpr const char* kActions[] = {
    "SCMP_ACT_ALLOW",        "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD",
    "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_TRAP",  "SCMP_ACT_LOG",  "SCMP_ACT_TRACE",
};
constexpr const char* kOps[] = {
    "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",        "SCMP_CMP_EQ",
    "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ",
};
// Every architecture name the OCI runtime spec defines. The filter builder
// skips the ones the linked libseccomp does not know.
constexpr const char* kArches[] = {
    "SCMP_ARCH_X86",     "SCMP_ARCH_X86_64",   "SCMP_ARCH_X32",         "SCMP_ARCH_ARM",
    "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32",
    "SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
    "SCMP_ARCH_PPC64",   "SCMP_ARCH_PPC64LE",  "SCMP_ARCH_S390",        "SCMP_ARCH_S390X",
    "SCMP_ARCH_PARISC",  "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",     "SCMP_ARCH_LOONGARCH64",
};

template <size_t N>
bool OneOf(const std::string& s, const char* const (&list)[N]) {
  return std::any_of(std::begin(list), std::end(list), [&](const char* x) { return s == x; });
}

absl::Status Invalid(const std::string& where, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat("seccomp profile: ", where, ": ", what));
}

std::string NormalizeCap(std::string cap) {
  cap = absl::AsciiStrToUpper(cap);
  if (!absl::StartsWith(cap, "CAP_")) cap = "CAP_" + cap;
  return cap;
}

absl::StatusOr<std::string> GetString(const json& obj, const char* key, const std::string& where) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::string();
  if (!it->is_string()) return Invalid(absl::StrCat(where, ".", key), "must be a string");
  return it->get<std::string>();
}

absl::StatusOr<std::vector<std::string>> GetStringList(const json& obj, const char* key,
                                                       const std::string& where) {
  std::vector<std::string> out;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return out;
  if (!it->is_array()) return Invalid(absl::StrCat(where, ".", key), "must be a list of strings");
  for (const json& v : *it) {
    if (!v.is_string() || v.get<std::string>().empty()) {
      return Invalid(absl::StrCat(where, ".", key), "must be a list of non-empty strings");
    }
    out.push_back(v.get<std::string>());
  }
  return out;
}

// JSON numbers that must be non-negative integers (errno values, arg values).
absl::StatusOr<uint64_t> GetUnsigned(const json& v, const std::string& where) {
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  if (v.is_number_integer() && v.get<int64_t>() >= 0)
    return static_cast<uint64_t>(v.get<int64_t>());
  return Invalid(where, "must be a non-negative integer");
}

absl::StatusOr<std::optional<int>> GetErrno(const json& obj, const char* key,
                                            const std::string& where, int max) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::optional<int>();
  std::string field = absl::StrCat(where, ".", key);
  BERTH_ASSIGN_OR_RETURN(uint64_t v, GetUnsigned(*it, field));
  if (v > static_cast<uint64_t>(max)) {
    return Invalid(field, absl::StrCat(v, " is out of range 0..", max));
  }
  return std::optional<int>(static_cast<int>(v));
}

absl::Status CheckAction(const std::string& action, const std::string& where) {
  if (action.empty()) return Invalid(where, "missing action");
  if (action == "SCMP_ACT_NOTIFY") {
    return Invalid(where, "SCMP_ACT_NOTIFY is not supported (no seccomp agent)");
  }
  if (!OneOf(action, kActions))
    return Invalid(where, absl::StrCat("unknown action '", action, "'"));
  return absl::OkStatus();
}

// ERRNO keeps its errno, TRACE its message; the other actions carry none.
absl::StatusOr<std::optional<int>> ActionErrno(const json& obj, const char* key,
                                               const std::string& action,
                                               const std::string& where) {
  int max = action == "SCMP_ACT_TRACE" ? kMaxTraceData : kMaxErrno;
  BERTH_ASSIGN_OR_RETURN(std::optional<int> value, GetErrno(obj, key, where, max));
  if (action != "SCMP_ACT_ERRNO" && action != "SCMP_ACT_TRACE") return std::optional<int>();
  return value;
}

absl::StatusOr<KernelVersion> ParseKernelVersion(const std::string& text,
                                                 const std::string& where) {
  KernelVersion v;
  char rest = 0;
  // "major.minor"; Docker rejects anything else, and so do we.
  if (std::sscanf(text.c_str(), "%d.%d%c", &v.major, &v.minor, &rest) != 2 || v.major < 0 ||
      v.minor < 0) {
    return Invalid(where, absl::StrCat("minKernel '", text, "' is not of the form major.minor"));
  }
  return v;
}

absl::StatusOr<RuleCondition> ParseCondition(const json& rule, const char* key,
                                             const std::string& where) {
  RuleCondition cond;
  auto it = rule.find(key);
  if (it == rule.end() || it->is_null()) return cond;
  std::string field = absl::StrCat(where, ".", key);
  if (!it->is_object()) return Invalid(field, "must be an object");
  BERTH_ASSIGN_OR_RETURN(cond.caps, GetStringList(*it, "caps", field));
  BERTH_ASSIGN_OR_RETURN(cond.arches, GetStringList(*it, "arches", field));
  BERTH_ASSIGN_OR_RETURN(std::string min_kernel, GetString(*it, "minKernel", field));
  if (!min_kernel.empty()) {
    BERTH_ASSIGN_OR_RETURN(KernelVersion v, ParseKernelVersion(min_kernel, field + ".minKernel"));
    cond.min_kernel = v;
  }
  return cond;
}

absl::StatusOr<SeccompArg> ParseArg(const json& a, const std::string& where) {
  if (!a.is_object()) return Invalid(where, "must be an object");
  SeccompArg arg;
  if (!a.contains("index")) return Invalid(where, "missing index");
  BERTH_ASSIGN_OR_RETURN(uint64_t index, GetUnsigned(a["index"], where + ".index"));
  // Syscalls have at most six arguments.
  if (index > 5) return Invalid(where + ".index", absl::StrCat(index, " is over 5"));
  arg.index = static_cast<uint32_t>(index);
  if (a.contains("value")) {
    BERTH_ASSIGN_OR_RETURN(arg.value, GetUnsigned(a["value"], where + ".value"));
  }
  if (a.contains("valueTwo")) {
    BERTH_ASSIGN_OR_RETURN(arg.value_two, GetUnsigned(a["valueTwo"], where + ".valueTwo"));
  }
  BERTH_ASSIGN_OR_RETURN(arg.op, GetString(a, "op", where));
  if (!OneOf(arg.op, kOps)) return Invalid(where, absl::StrCat("unknown op '", arg.op, "'"));
  return arg;
}

absl::StatusOr<ConditionalRule> ParseRule(const json& r, const std::string& where) {
  if (!r.is_object()) return Invalid(where, "must be an object");
  ConditionalRule out;
  BERTH_ASSIGN_OR_RETURN(std::string name, GetString(r, "name", where));
  BERTH_ASSIGN_OR_RETURN(out.rule.names, GetStringList(r, "names", where));
  if (!name.empty() && !out.rule.names.empty()) {
    return Invalid(where, "use either 'name' or 'names', not both");
  }
  if (!name.empty()) out.rule.names.push_back(name);
  if (out.rule.names.empty()) return Invalid(where, "no syscall names");
  BERTH_ASSIGN_OR_RETURN(out.rule.action, GetString(r, "action", where));
  BERTH_RETURN_IF_ERROR(CheckAction(out.rule.action, where + ".action"));
  BERTH_ASSIGN_OR_RETURN(out.rule.errno_ret, ActionErrno(r, "errnoRet", out.rule.action, where));
  if (auto it = r.find("args"); it != r.end() && !it->is_null()) {
    if (!it->is_array()) return Invalid(where + ".args", "must be a list");
    for (size_t i = 0; i < it->size(); ++i) {
      BERTH_ASSIGN_OR_RETURN(SeccompArg arg,
                             ParseArg((*it)[i], absl::StrCat(where, ".args[", i, "]")));
      out.rule.args.push_back(std::move(arg));
    }
  }
  BERTH_ASSIGN_OR_RETURN(out.includes, ParseCondition(r, "includes", where));
  BERTH_ASSIGN_OR_RETURN(out.excludes, ParseCondition(r, "excludes", where));
  BERTH_ASSIGN_OR_RETURN(out.comment, GetString(r, "comment", where));
  return out;
}

absl::Status CheckArches(const std::vector<std::string>& arches, const std::string& where) {
  for (const std::string& a : arches) {
    if (!OneOf(a, kArches)) return Invalid(where, absl::StrCat("unknown architecture '", a, "'"));
  }
  return absl::OkStatus();
}

absl::StatusOr<UnresolvedProfile> ParseUnresolved(std::string_view text) {
  if (text.size() > kMaxProfileBytes) {
    return Invalid("body", absl::StrCat(text.size(), " bytes is over the limit of 1 MiB"));
  }
  json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Invalid("body", "malformed JSON");
  if (!j.is_object()) return Invalid("body", "must be a JSON object");
  UnresolvedProfile p;
  BERTH_ASSIGN_OR_RETURN(p.default_action, GetString(j, "defaultAction", "profile"));
  BERTH_RETURN_IF_ERROR(CheckAction(p.default_action, "defaultAction"));
  BERTH_ASSIGN_OR_RETURN(p.default_errno,
                         ActionErrno(j, "defaultErrnoRet", p.default_action, "profile"));
  BERTH_ASSIGN_OR_RETURN(p.architectures, GetStringList(j, "architectures", "profile"));
  BERTH_RETURN_IF_ERROR(CheckArches(p.architectures, "architectures"));
  if (auto it = j.find("archMap"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) return Invalid("archMap", "must be a list");
    for (size_t i = 0; i < it->size(); ++i) {
      const json& e = (*it)[i];
      std::string where = absl::StrCat("archMap[", i, "]");
      if (!e.is_object()) return Invalid(where, "must be an object");
      ArchMapEntry entry;
      BERTH_ASSIGN_OR_RETURN(entry.arch, GetString(e, "architecture", where));
      BERTH_ASSIGN_OR_RETURN(entry.subarches, GetStringList(e, "subArchitectures", where));
      if (entry.arch.empty()) return Invalid(where, "missing architecture");
      BERTH_RETURN_IF_ERROR(CheckArches({entry.arch}, where));
      BERTH_RETURN_IF_ERROR(CheckArches(entry.subarches, where));
      p.arch_map.push_back(std::move(entry));
    }
  }
  if (!p.architectures.empty() && !p.arch_map.empty()) {
    return Invalid("profile", "use either 'architectures' or 'archMap', not both");
  }
  // Seccomp agents and filter flags are not implemented; refusing them is
  // clearer than loading a filter that behaves differently from the request.
  if (auto it = j.find("listenerPath"); it != j.end() && !it->is_null() && *it != "") {
    return Invalid("listenerPath", "seccomp agents are not supported");
  }
  if (auto it = j.find("flags"); it != j.end() && !it->is_null() && !it->empty()) {
    return Invalid("flags", "seccomp filter flags are not supported");
  }
  if (auto it = j.find("syscalls"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) return Invalid("syscalls", "must be a list");
    for (size_t i = 0; i < it->size(); ++i) {
      BERTH_ASSIGN_OR_RETURN(ConditionalRule rule,
                             ParseRule((*it)[i], absl::StrCat("syscalls[", i, "]")));
      p.rules.push_back(std::move(rule));
    }
  }
  return p;
}

bool Contains(const std::vector<std::string>& list, const std::string& s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

bool KernelAtLeast(const SeccompHost& host, const KernelVersion& v) {
  return host.kernel_major > v.major ||
         (host.kernel_major == v.major && host.kernel_minor >= v.minor);
}

// Docker's rule: excludes drop on any match, includes need every listed cap.
bool RuleApplies(const ConditionalRule& r, const std::vector<std::string>& caps,
                 const SeccompHost& host) {
  const RuleCondition& ex = r.excludes;
  if (Contains(ex.arches, host.go_arch)) return false;
  for (const std::string& c : ex.caps) {
    if (Contains(caps, NormalizeCap(c))) return false;
  }
  if (ex.min_kernel && KernelAtLeast(host, *ex.min_kernel)) return false;
  const RuleCondition& in = r.includes;
  if (!in.arches.empty() && !Contains(in.arches, host.go_arch)) return false;
  for (const std::string& c : in.caps) {
    if (!Contains(caps, NormalizeCap(c))) return false;
  }
  if (in.min_kernel && !KernelAtLeast(host, *in.min_kernel)) return false;
  return true;
}

json ArgJson(const SeccompArg& a) {
  return json{{"index", a.index}, {"value", a.value}, {"valueTwo", a.value_two}, {"op", a.op}};
}

json RuleJson(const SeccompRule& r) {
  json out = {{"names", r.names}, {"action", r.action}};
  if (r.errno_ret) out["errnoRet"] = *r.errno_ret;
  if (!r.args.empty()) {
    json args = json::array();
    for (const SeccompArg& a : r.args) args.push_back(ArgJson(a));
    out["args"] = std::move(args);
  }
  return out;
}

json ConditionJson(const RuleCondition& c) {
  json out = json::object();
  if (!c.caps.empty()) out["caps"] = c.caps;
  if (!c.arches.empty()) out["arches"] = c.arches;
  if (c.min_kernel) out["minKernel"] = absl::StrCat(c.min_kernel->major, ".", c.min_kernel->minor);
  return out;
}

}  // namespace

namespace internal {

SeccompProfile Resolve(const UnresolvedProfile& profile,
                       const std::vector<std::string>& capabilities, const SeccompHost& host) {
  std::vector<std::string> caps;
  for (const std::string& c : capabilities) caps.push_back(NormalizeCap(c));
  SeccompProfile out;
  out.default_action = profile.default_action;
  out.default_errno = profile.default_errno;
  out.architectures = profile.architectures;
  for (const ArchMapEntry& e : profile.arch_map) {
    if (e.arch != host.scmp_arch) continue;
    out.architectures.push_back(e.arch);
    out.architectures.insert(out.architectures.end(), e.subarches.begin(), e.subarches.end());
    break;
  }
  for (const ConditionalRule& r : profile.rules) {
    if (RuleApplies(r, caps, host)) out.syscalls.push_back(r.rule);
  }
  return out;
}

std::string ToDockerJson(const UnresolvedProfile& profile) {
  json out = {{"defaultAction", profile.default_action}};
  if (profile.default_errno) out["defaultErrnoRet"] = *profile.default_errno;
  if (!profile.architectures.empty()) out["architectures"] = profile.architectures;
  if (!profile.arch_map.empty()) {
    json map = json::array();
    for (const ArchMapEntry& e : profile.arch_map) {
      map.push_back({{"architecture", e.arch}, {"subArchitectures", e.subarches}});
    }
    out["archMap"] = std::move(map);
  }
  json rules = json::array();
  for (const ConditionalRule& r : profile.rules) {
    json rule = RuleJson(r.rule);
    if (!r.comment.empty()) rule["comment"] = r.comment;
    if (!r.includes.empty()) rule["includes"] = ConditionJson(r.includes);
    if (!r.excludes.empty()) rule["excludes"] = ConditionJson(r.excludes);
    rules.push_back(std::move(rule));
  }
  out["syscalls"] = std::move(rules);
  return out.dump(2);
}

}  // namespace internal

SeccompHost CurrentSeccompHost() {
  SeccompHost host;
#if defined(__x86_64__)
  host.go_arch = "amd64";
  host.scmp_arch = "SCMP_ARCH_X86_64";
#elif defined(__aarch64__)
  host.go_arch = "arm64";
  host.scmp_arch = "SCMP_ARCH_AARCH64";
#elif defined(__i386__)
  host.go_arch = "386";
  host.scmp_arch = "SCMP_ARCH_X86";
#elif defined(__s390x__)
  host.go_arch = "s390x";
  host.scmp_arch = "SCMP_ARCH_S390X";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  host.go_arch = "ppc64le";
  host.scmp_arch = "SCMP_ARCH_PPC64LE";
#elif defined(__riscv) && __riscv_xlen == 64
  host.go_arch = "riscv64";
  host.scmp_arch = "SCMP_ARCH_RISCV64";
#else
#error "unsupported architecture for seccomp profiles"
#endif
  struct utsname u;
  if (uname(&u) == 0) {
    std::sscanf(u.release, "%d.%d", &host.kernel_major, &host.kernel_minor);
  }
  return host;
}

absl::StatusOr<SeccompProfile> ParseDockerSeccompProfile(
    std::string_view json_text, const std::vector<std::string>& capabilities,
    const SeccompHost& host) {
  BERTH_ASSIGN_OR_RETURN(UnresolvedProfile p, ParseUnresolved(json_text));
  return internal::Resolve(p, capabilities, host);
}

absl::StatusOr<SeccompProfile> ParseDockerSeccompProfile(
    std::string_view json_text, const std::vector<std::string>& capabilities) {
  return ParseDockerSeccompProfile(json_text, capabilities, CurrentSeccompHost());
}

SeccompProfile DefaultSeccompProfile(const std::vector<std::string>& capabilities,
                                     const SeccompHost& host) {
  return internal::Resolve(internal::DefaultProfileTable(), capabilities, host);
}

SeccompProfile DefaultSeccompProfile(const std::vector<std::string>& capabilities) {
  return DefaultSeccompProfile(capabilities, CurrentSeccompHost());
}

std::string DefaultSeccompProfileJson() {
  return internal::ToDockerJson(internal::DefaultProfileTable());
}

std::string SeccompProfileToJson(const SeccompProfile& profile) {
  internal::UnresolvedProfile p;
  p.default_action = profile.default_action;
  p.default_errno = profile.default_errno;
  p.architectures = profile.architectures;
  for (const SeccompRule& r : profile.syscalls) p.rules.push_back({r, {}, {}, ""});
  return internal::ToDockerJson(p);
}

}  // namespace berth::runtimed::security
