// Docker-format parsing, resolution by capabilities/arch/kernel, the default
// profile's content and the JSON round trip. Pure: no libseccomp, no kernel.

#include "services/runtimed/security/seccomp_profile.h"

#include <cerrno>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace berth::runtimed::security {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const SeccompHost kAmd64{"amd64", "SCMP_ARCH_X86_64", 6, 1};
const SeccompHost kArm64{"arm64", "SCMP_ARCH_AARCH64", 6, 1};

// Docker's default capability set.
const std::vector<std::string> kDockerCaps = {
    "CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",
    "CAP_MKNOD",   "CAP_NET_RAW",      "CAP_SETGID",           "CAP_SETUID",
    "CAP_SETFCAP", "CAP_SETPCAP",      "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
    "CAP_KILL",    "CAP_AUDIT_WRITE"};

std::vector<std::string> With(std::vector<std::string> caps, const std::string& extra) {
  caps.push_back(extra);
  return caps;
}

// Rules naming `name`, in profile order.
std::vector<SeccompRule> RulesFor(const SeccompProfile& p, const std::string& name) {
  std::vector<SeccompRule> out;
  for (const SeccompRule& r : p.syscalls) {
    for (const std::string& n : r.names) {
      if (n == name) out.push_back(r);
    }
  }
  return out;
}

// True when some rule allows `name` whatever its arguments.
bool AllowsAlways(const SeccompProfile& p, const std::string& name) {
  for (const SeccompRule& r : RulesFor(p, name)) {
    if (r.action == "SCMP_ACT_ALLOW" && r.args.empty()) return true;
  }
  return false;
}

TEST(ParseDockerSeccompProfile, ReadsEveryField) {
  auto p = ParseDockerSeccompProfile(R"({
    "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38,
    "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
    "syscalls": [
      {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW", "comment": "io"},
      {"name": "getcwd", "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
      {"names": ["clone"], "action": "SCMP_ACT_ALLOW",
       "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]},
      {"names": ["kill"], "action": "SCMP_ACT_KILL_PROCESS", "errnoRet": 5},
      {"names": ["ptrace"], "action": "SCMP_ACT_TRACE", "errnoRet": 4242}
    ]})",
                                     {}, kAmd64);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->default_action, "SCMP_ACT_ERRNO");
  EXPECT_EQ(p->default_errno, 38);
  EXPECT_THAT(p->architectures, ElementsAre("SCMP_ARCH_X86_64", "SCMP_ARCH_X86"));
  ASSERT_EQ(p->syscalls.size(), 5u);
  EXPECT_THAT(p->syscalls[0].names, ElementsAre("read", "write"));
  EXPECT_EQ(p->syscalls[1].names, std::vector<std::string>{"getcwd"});
  EXPECT_EQ(p->syscalls[1].errno_ret, 1);
  EXPECT_EQ(p->syscalls[2].args,
            (std::vector<SeccompArg>{{0, 2114060288, 0, "SCMP_CMP_MASKED_EQ"}}));
  // errnoRet means nothing for KILL_PROCESS; TRACE keeps it as the message.
  EXPECT_EQ(p->syscalls[3].errno_ret, std::nullopt);
  EXPECT_EQ(p->syscalls[4].errno_ret, 4242);
}

TEST(ParseDockerSeccompProfile, ArchMapPicksTheHostEntry) {
  const char* json = R"({"defaultAction": "SCMP_ACT_ALLOW", "archMap": [
      {"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]},
      {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]},
      {"architecture": "SCMP_ARCH_RISCV64", "subArchitectures": null}]})";
  auto amd = ParseDockerSeccompProfile(json, {}, kAmd64);
  ASSERT_TRUE(amd.ok()) << amd.status();
  EXPECT_THAT(amd->architectures,
              ElementsAre("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"));
  auto arm = ParseDockerSeccompProfile(json, {}, kArm64);
  ASSERT_TRUE(arm.ok()) << arm.status();
  EXPECT_THAT(arm->architectures, ElementsAre("SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"));
  SeccompHost s390{"s390x", "SCMP_ARCH_S390X", 6, 1};
  auto other = ParseDockerSeccompProfile(json, {}, s390);
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_TRUE(other->architectures.empty());
}

TEST(ParseDockerSeccompProfile, ResolvesIncludesAndExcludes) {
  const char* json = R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
      {"names": ["both_caps"], "action": "SCMP_ACT_ALLOW",
       "includes": {"caps": ["CAP_SYS_ADMIN", "CAP_NET_ADMIN"]}},
      {"names": ["unless_admin"], "action": "SCMP_ACT_ALLOW",
       "excludes": {"caps": ["CAP_SYS_ADMIN", "CAP_BPF"]}},
      {"names": ["amd64_only"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["amd64"]}},
      {"names": ["not_on_amd64"], "action": "SCMP_ACT_ALLOW", "excludes": {"arches": ["amd64"]}},
      {"names": ["new_kernels"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "5.10"}},
      {"names": ["old_kernels"], "action": "SCMP_ACT_ALLOW", "excludes": {"minKernel": "5.10"}}
    ]})";
  auto names = [&](const std::vector<std::string>& caps, const SeccompHost& host) {
    auto p = ParseDockerSeccompProfile(json, caps, host);
    EXPECT_TRUE(p.ok()) << p.status();
    std::vector<std::string> out;
    for (const SeccompRule& r : p->syscalls) out.push_back(r.names[0]);
    return out;
  };
  EXPECT_THAT(names({}, kAmd64), ElementsAre("unless_admin", "amd64_only", "new_kernels"));
  // includes.caps needs every cap; excludes.caps drops on any; case and the
  // CAP_ prefix do not matter.
  EXPECT_THAT(names({"CAP_SYS_ADMIN"}, kAmd64), ElementsAre("amd64_only", "new_kernels"));
  EXPECT_THAT(names({"sys_admin", "NET_ADMIN"}, kAmd64),
              ElementsAre("both_caps", "amd64_only", "new_kernels"));
  EXPECT_THAT(names({"CAP_BPF"}, kAmd64), ElementsAre("amd64_only", "new_kernels"));
  SeccompHost old_arm{"arm64", "SCMP_ARCH_AARCH64", 5, 4};
  EXPECT_THAT(names({}, old_arm), ElementsAre("unless_admin", "not_on_amd64", "old_kernels"));
}

TEST(ParseDockerSeccompProfile, UnknownSyscallNamesAreKept) {
  auto p = ParseDockerSeccompProfile(
      R"({"defaultAction": "SCMP_ACT_ERRNO",
          "syscalls": [{"names": ["read", "syscall_from_2030"], "action": "SCMP_ACT_ALLOW"}]})",
      {}, kAmd64);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_THAT(p->syscalls[0].names, ElementsAre("read", "syscall_from_2030"));
}

struct BadProfile {
  std::string json;
  std::string message;
};

TEST(ParseDockerSeccompProfile, RefusesMalformedProfilesWithAClearMessage) {
  const std::string ok_rule = R"({"names": ["read"], "action": "SCMP_ACT_ALLOW"})";
  auto with_rule = [](const std::string& rule) {
    return R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [)" + rule + "]}";
  };
  const std::vector<BadProfile> cases = {
      {"{\"defaultAction\": ", "malformed JSON"},
      {"[1, 2]", "must be a JSON object"},
      {"{}", "defaultAction: missing action"},
      {R"({"defaultAction": "SCMP_ACT_DANCE"})", "unknown action 'SCMP_ACT_DANCE'"},
      {R"({"defaultAction": "SCMP_ACT_NOTIFY"})", "SCMP_ACT_NOTIFY is not supported"},
      {R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 4096})",
       "defaultErrnoRet: 4096 is out of range 0..4095"},
      {R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": -1})",
       "must be a non-negative integer"},
      {R"({"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_Z80"]})",
       "unknown architecture 'SCMP_ARCH_Z80'"},
      {R"({"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86"],
           "archMap": [{"architecture": "SCMP_ARCH_X86_64"}]})",
       "either 'architectures' or 'archMap'"},
      {R"({"defaultAction": "SCMP_ACT_ERRNO", "flags": ["SECCOMP_FILTER_FLAG_LOG"]})",
       "flags are not supported"},
      {R"({"defaultAction": "SCMP_ACT_ERRNO", "listenerPath": "/run/agent.sock"})",
       "agents are not supported"},
      {R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": {}})", "syscalls: must be a list"},
      {with_rule(R"({"names": [], "action": "SCMP_ACT_ALLOW"})"), "syscalls[0]: no syscall names"},
      {with_rule(R"({"action": "SCMP_ACT_ALLOW"})"), "syscalls[0]: no syscall names"},
      {with_rule(R"({"names": [""], "action": "SCMP_ACT_ALLOW"})"), "non-empty strings"},
      {with_rule(R"({"name": "a", "names": ["b"], "action": "SCMP_ACT_ALLOW"})"),
       "either 'name' or 'names'"},
      {with_rule(ok_rule + R"(, {"names": ["x"], "action": "SCMP_ACT_JUMP"})"),
       "syscalls[1].action: unknown action 'SCMP_ACT_JUMP'"},
      {with_rule(R"({"names": ["x"], "action": "SCMP_ACT_ERRNO", "errnoRet": 70000})"),
       "syscalls[0].errnoRet: 70000 is out of range"},
      {with_rule(R"({"names": ["x"], "action": "SCMP_ACT_ALLOW",
                     "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_ALMOST"}]})"),
       "syscalls[0].args[0]: unknown op 'SCMP_CMP_ALMOST'"},
      {with_rule(R"({"names": ["x"], "action": "SCMP_ACT_ALLOW",
                     "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]})"),
       "args[0].index: 6 is over 5"},
      {with_rule(R"({"names": ["x"], "action": "SCMP_ACT_ALLOW",
                     "args": [{"index": 0, "value": "1", "op": "SCMP_CMP_EQ"}]})"),
       "args[0].value: must be a non-negative integer"},
      {with_rule(R"({"names": ["x"], "action": "SCMP_ACT_ALLOW",
                     "includes": {"minKernel": "five"}})"),
       "minKernel 'five' is not of the form major.minor"},
      {with_rule(R"({"names": ["x"], "action": "SCMP_ACT_ALLOW", "excludes": {"caps": "CAP_X"}})"),
       "excludes.caps: must be a list of strings"},
  };
  for (const BadProfile& c : cases) {
    auto p = ParseDockerSeccompProfile(c.json, {}, kAmd64);
    ASSERT_FALSE(p.ok()) << c.json;
    EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument) << c.json;
    EXPECT_THAT(std::string(p.status().message()), HasSubstr(c.message)) << c.json;
  }
}

TEST(ParseDockerSeccompProfile, RefusesBodiesOverOneMebibyte) {
  std::string json =
      R"({"defaultAction": "SCMP_ACT_ALLOW", "comment": ")" + std::string(1 << 20, 'x') + "\"}";
  auto p = ParseDockerSeccompProfile(json, {}, kAmd64);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(p.status().message()), HasSubstr("over the limit of 1 MiB"));
}

TEST(DefaultSeccompProfile, DeniesWithEpermOnTheDockerArchitectures) {
  SeccompProfile p = DefaultSeccompProfile(kDockerCaps, kAmd64);
  EXPECT_EQ(p.default_action, "SCMP_ACT_ERRNO");
  EXPECT_EQ(p.default_errno, EPERM);
  EXPECT_THAT(p.architectures, ElementsAre("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"));
}

TEST(DefaultSeccompProfile, AllowsWhatOrdinaryProgramsNeed) {
  SeccompProfile p = DefaultSeccompProfile(kDockerCaps, kAmd64);
  for (const char* name : {"read",       "write",
                           "openat",     "close",
                           "mmap",       "brk",
                           "execve",     "exit_group",
                           "fork",       "vfork",
                           "wait4",      "getpid",
                           "futex",      "rt_sigaction",
                           "epoll_wait", "connect",
                           "accept4",    "setuid",
                           "setgroups",  "capset",
                           "prctl",      "arch_prctl",
                           "modify_ldt", "chroot",
                           "ptrace",     "process_vm_readv",
                           "adjtimex",   "statx",
                           "fchmodat2",  "clock_gettime",
                           "socketcall", "name_to_handle_at",
                           "seccomp",    "landlock_create_ruleset"}) {
    EXPECT_TRUE(AllowsAlways(p, name)) << name;
  }
}

TEST(DefaultSeccompProfile, DeniesTheDangerousCalls) {
  SeccompProfile p = DefaultSeccompProfile(kDockerCaps, kAmd64);
  for (const char* name : {"mount",
                           "umount",
                           "umount2",
                           "unshare",
                           "setns",
                           "pivot_root",
                           "keyctl",
                           "add_key",
                           "request_key",
                           "init_module",
                           "finit_module",
                           "delete_module",
                           "settimeofday",
                           "clock_settime",
                           "clock_settime64",
                           "stime",
                           "reboot",
                           "swapon",
                           "swapoff",
                           "kexec_load",
                           "kexec_file_load",
                           "bpf",
                           "perf_event_open",
                           "userfaultfd",
                           "io_uring_setup",
                           "io_uring_enter",
                           "open_by_handle_at",
                           "iopl",
                           "ioperm",
                           "acct",
                           "kcmp",
                           "syslog",
                           "vhangup",
                           "mbind",
                           "sethostname",
                           "fsopen",
                           "open_tree",
                           "quotactl",
                           "lookup_dcookie",
                           "uselib",
                           "nfsservctl",
                           "vm86"}) {
    EXPECT_TRUE(RulesFor(p, name).empty()) << name;
  }
  // The arm-only helpers are not opened on amd64.
  EXPECT_TRUE(RulesFor(p, "cacheflush").empty());
}

TEST(DefaultSeccompProfile, FiltersCloneSocketAndPersonalityByArgument) {
  SeccompProfile p = DefaultSeccompProfile(kDockerCaps, kAmd64);
  auto clone = RulesFor(p, "clone");
  ASSERT_EQ(clone.size(), 1u);
  EXPECT_EQ(clone[0].args, (std::vector<SeccompArg>{{0, 0x7E020000, 0, "SCMP_CMP_MASKED_EQ"}}));

  auto clone3 = RulesFor(p, "clone3");
  ASSERT_EQ(clone3.size(), 1u);
  EXPECT_EQ(clone3[0].action, "SCMP_ACT_ERRNO");
  EXPECT_EQ(clone3[0].errno_ret, ENOSYS);

  // AF_ALG (38) and AF_VSOCK (40) fall through to EPERM; everything else passes.
  std::vector<std::vector<SeccompArg>> socket_args;
  for (const SeccompRule& r : RulesFor(p, "socket")) socket_args.push_back(r.args);
  EXPECT_THAT(socket_args, ElementsAre(std::vector<SeccompArg>{{0, 38, 0, "SCMP_CMP_LT"}},
                                       std::vector<SeccompArg>{{0, 39, 0, "SCMP_CMP_EQ"}},
                                       std::vector<SeccompArg>{{0, 40, 0, "SCMP_CMP_GT"}}));

  std::vector<uint64_t> personalities;
  for (const SeccompRule& r : RulesFor(p, "personality")) {
    ASSERT_EQ(r.args.size(), 1u);
    EXPECT_EQ(r.args[0].op, "SCMP_CMP_EQ");
    personalities.push_back(r.args[0].value);
  }
  EXPECT_THAT(personalities, ElementsAre(0x0, 0x8, 0x20000, 0x20008, 0xffffffff));
}

struct CapGroup {
  const char* capability;
  std::vector<const char*> syscalls;
};

TEST(DefaultSeccompProfile, EachCapabilityOpensItsGroup) {
  const std::vector<CapGroup> groups = {
      {"CAP_SYS_ADMIN",
       {"mount", "umount2", "unshare", "setns", "sethostname", "bpf", "perf_event_open", "fsopen",
        "move_mount", "quotactl", "syslog"}},
      {"CAP_SYS_BOOT", {"reboot"}},
      {"CAP_SYS_MODULE", {"init_module", "finit_module", "delete_module"}},
      {"CAP_SYS_PACCT", {"acct"}},
      {"CAP_SYS_PTRACE", {"kcmp", "pidfd_getfd", "process_madvise"}},  // ptrace: kernel >= 4.8
      {"CAP_SYS_RAWIO", {"iopl", "ioperm"}},
      {"CAP_SYS_TIME", {"settimeofday", "clock_settime", "stime"}},
      {"CAP_SYS_TTY_CONFIG", {"vhangup"}},
      {"CAP_SYS_NICE", {"mbind", "set_mempolicy", "get_mempolicy"}},
      {"CAP_SYSLOG", {"syslog"}},
      {"CAP_BPF", {"bpf"}},
      {"CAP_PERFMON", {"perf_event_open"}},
      {"CAP_DAC_READ_SEARCH", {"open_by_handle_at"}},
  };
  for (const CapGroup& g : groups) {
    SeccompProfile without = DefaultSeccompProfile({}, kAmd64);
    SeccompProfile with = DefaultSeccompProfile({g.capability}, kAmd64);
    for (const char* name : g.syscalls) {
      EXPECT_FALSE(AllowsAlways(without, name)) << g.capability << " " << name;
      EXPECT_TRUE(AllowsAlways(with, name)) << g.capability << " " << name;
    }
  }
  // chroot is in Docker's default capabilities, so it is open by default.
  EXPECT_FALSE(AllowsAlways(DefaultSeccompProfile({}, kAmd64), "chroot"));
  EXPECT_TRUE(AllowsAlways(DefaultSeccompProfile(kDockerCaps, kAmd64), "chroot"));
}

TEST(DefaultSeccompProfile, SysAdminLiftsTheCloneFilters) {
  SeccompProfile p = DefaultSeccompProfile(With(kDockerCaps, "CAP_SYS_ADMIN"), kAmd64);
  EXPECT_TRUE(AllowsAlways(p, "clone"));
  auto clone3 = RulesFor(p, "clone3");
  ASSERT_EQ(clone3.size(), 1u);
  EXPECT_EQ(clone3[0].action, "SCMP_ACT_ALLOW");
  EXPECT_EQ(RulesFor(p, "clone").size(), 1u);  // no masked rule next to the open one
}

TEST(DefaultSeccompProfile, PtraceNeedsKernel48WithoutTheCapability) {
  SeccompHost old_kernel{"amd64", "SCMP_ARCH_X86_64", 4, 4};
  EXPECT_FALSE(AllowsAlways(DefaultSeccompProfile(kDockerCaps, old_kernel), "ptrace"));
  EXPECT_TRUE(AllowsAlways(DefaultSeccompProfile({"CAP_SYS_PTRACE"}, old_kernel), "ptrace"));
  SeccompHost k48{"amd64", "SCMP_ARCH_X86_64", 4, 8};
  EXPECT_TRUE(AllowsAlways(DefaultSeccompProfile(kDockerCaps, k48), "ptrace"));
}

TEST(DefaultSeccompProfile, ArchSpecificHelpersFollowTheHost) {
  SeccompProfile arm = DefaultSeccompProfile(kDockerCaps, kArm64);
  EXPECT_TRUE(AllowsAlways(arm, "cacheflush"));
  EXPECT_FALSE(AllowsAlways(arm, "arch_prctl"));
  EXPECT_THAT(arm.architectures, ElementsAre("SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"));
}

TEST(SeccompProfileToJson, RoundTripsTheResolvedDefaultProfile) {
  for (const auto& caps :
       {std::vector<std::string>{}, kDockerCaps, With(kDockerCaps, "CAP_SYS_ADMIN")}) {
    SeccompProfile p = DefaultSeccompProfile(caps, kAmd64);
    auto back = ParseDockerSeccompProfile(SeccompProfileToJson(p), {}, kAmd64);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(*back, p);
  }
}

TEST(SeccompProfileToJson, RoundTripsEveryFieldOfACustomProfile) {
  SeccompProfile p;
  p.default_action = "SCMP_ACT_KILL_PROCESS";
  p.architectures = {"SCMP_ARCH_X86_64"};
  p.syscalls = {
      {{"getcwd"}, "SCMP_ACT_ERRNO", 1, {}},
      {{"write", "read"},
       "SCMP_ACT_ALLOW",
       std::nullopt,
       {{2, 0xffffffffffffffffULL, 7, "SCMP_CMP_LE"}}},
      {{"open"}, "SCMP_ACT_ERRNO", std::nullopt, {}},
      {{"kill"}, "SCMP_ACT_LOG", std::nullopt, {}},
  };
  auto back = ParseDockerSeccompProfile(SeccompProfileToJson(p), {}, kAmd64);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, p);
}

TEST(DefaultSeccompProfileJson, ResolvesLikeTheTable) {
  std::string json = DefaultSeccompProfileJson();
  for (const SeccompHost& host : {kAmd64, kArm64}) {
    for (const auto& caps : {std::vector<std::string>{}, kDockerCaps,
                             With(kDockerCaps, "CAP_SYS_ADMIN"), With(kDockerCaps, "CAP_BPF")}) {
      auto parsed = ParseDockerSeccompProfile(json, caps, host);
      ASSERT_TRUE(parsed.ok()) << parsed.status();
      EXPECT_EQ(*parsed, DefaultSeccompProfile(caps, host));
    }
  }
}

}  // namespace
}  // namespace berth::runtimed::security
