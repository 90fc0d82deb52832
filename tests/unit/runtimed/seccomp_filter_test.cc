// The exported BPF program, run through a small classic-BPF interpreter, so
// every architecture in the filter (x86_64, x86, x32) is checked without
// root and without loading anything into the test process.

#include "services/runtimed/security/seccomp_filter.h"

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "services/runtimed/security/seccomp_profile.h"

namespace berth::runtimed::security {
namespace {

const SeccompHost kAmd64{"amd64", "SCMP_ARCH_X86_64", 6, 1};
const std::vector<std::string> kDockerCaps = {
    "CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",
    "CAP_MKNOD",   "CAP_NET_RAW",      "CAP_SETGID",           "CAP_SETUID",
    "CAP_SETFCAP", "CAP_SETPCAP",      "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
    "CAP_KILL",    "CAP_AUDIT_WRITE"};
constexpr uint32_t kX32Bit = 0x40000000;

// Runs a seccomp program the way the kernel does: A, X, 16 scratch words,
// forward jumps only. Fails the test on anything malformed.
uint32_t RunBpf(const std::string& bpf, const seccomp_data& data) {
  std::vector<sock_filter> prog(bpf.size() / sizeof(sock_filter));
  std::memcpy(prog.data(), bpf.data(), prog.size() * sizeof(sock_filter));
  const auto* bytes = reinterpret_cast<const uint8_t*>(&data);
  uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {};
  for (size_t pc = 0; pc < prog.size(); ++pc) {
    const sock_filter& in = prog[pc];
    uint32_t src = BPF_SRC(in.code) == BPF_X ? x : in.k;
    switch (BPF_CLASS(in.code)) {
      case BPF_LD:
        if (BPF_MODE(in.code) == BPF_ABS) {
          EXPECT_LE(in.k + 4, sizeof(data));
          std::memcpy(&a, bytes + in.k, 4);
        } else if (BPF_MODE(in.code) == BPF_IMM) {
          a = in.k;
        } else if (BPF_MODE(in.code) == BPF_MEM) {
          a = mem[in.k % BPF_MEMWORDS];
        } else if (BPF_MODE(in.code) == BPF_LEN) {
          a = sizeof(data);
        } else {
          ADD_FAILURE() << "unsupported ld at " << pc;
          return ~0u;
        }
        break;
      case BPF_LDX:
        x = BPF_MODE(in.code) == BPF_MEM ? mem[in.k % BPF_MEMWORDS] : in.k;
        break;
      case BPF_ST:
        mem[in.k % BPF_MEMWORDS] = a;
        break;
      case BPF_STX:
        mem[in.k % BPF_MEMWORDS] = x;
        break;
      case BPF_ALU:
        switch (BPF_OP(in.code)) {
          case BPF_ADD:
            a += src;
            break;
          case BPF_SUB:
            a -= src;
            break;
          case BPF_MUL:
            a *= src;
            break;
          case BPF_DIV:
            a = src ? a / src : 0;
            break;
          case BPF_OR:
            a |= src;
            break;
          case BPF_AND:
            a &= src;
            break;
          case BPF_LSH:
            a <<= src;
            break;
          case BPF_RSH:
            a >>= src;
            break;
          case BPF_NEG:
            a = -a;
            break;
          case BPF_XOR:
            a ^= src;
            break;
          default:
            ADD_FAILURE() << "unsupported alu at " << pc;
            return ~0u;
        }
        break;
      case BPF_JMP: {
        if (BPF_OP(in.code) == BPF_JA) {
          pc += in.k;
          break;
        }
        bool taken = false;
        switch (BPF_OP(in.code)) {
          case BPF_JEQ:
            taken = a == src;
            break;
          case BPF_JGT:
            taken = a > src;
            break;
          case BPF_JGE:
            taken = a >= src;
            break;
          case BPF_JSET:
            taken = (a & src) != 0;
            break;
          default:
            ADD_FAILURE() << "unsupported jmp at " << pc;
            return ~0u;
        }
        pc += taken ? in.jt : in.jf;
        break;
      }
      case BPF_RET:
        return BPF_RVAL(in.code) == BPF_A ? a : in.k;
      case BPF_MISC:
        if (BPF_MISCOP(in.code) == BPF_TAX)
          x = a;
        else
          a = x;
        break;
    }
  }
  ADD_FAILURE() << "program ran off its end";
  return ~0u;
}

constexpr uint32_t kAllow = SECCOMP_RET_ALLOW;
constexpr uint32_t Errno(int e) { return SECCOMP_RET_ERRNO | static_cast<uint32_t>(e); }

class FilterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto bpf = ExportSeccompBpf(DefaultSeccompProfile(kDockerCaps, kAmd64));
    ASSERT_TRUE(bpf.ok()) << bpf.status();
    bpf_ = *bpf;
  }

  uint32_t Call(uint32_t arch, uint32_t nr, std::vector<uint64_t> args = {}) const {
    seccomp_data d{};
    d.arch = arch;
    d.nr = static_cast<int>(nr);
    for (size_t i = 0; i < args.size() && i < 6; ++i) d.args[i] = args[i];
    return RunBpf(bpf_, d);
  }
  uint32_t Native(const char* name, std::vector<uint64_t> args = {}) const {
    int nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, name);
    EXPECT_GE(nr, 0) << name;
    return Call(AUDIT_ARCH_X86_64, static_cast<uint32_t>(nr), std::move(args));
  }

  std::string bpf_;
};

TEST_F(FilterTest, DefaultProfileFitsTheKernelLimit) {
  ASSERT_EQ(bpf_.size() % sizeof(sock_filter), 0u);
  size_t count = bpf_.size() / sizeof(sock_filter);
  // Three architectures, ~370 syscalls each, as a binary tree.
  EXPECT_GT(count, 300u);
  EXPECT_LT(count, 2500u);
  RecordProperty("bpf_instructions", static_cast<int>(count));
}

TEST_F(FilterTest, NativeCallsFollowTheProfile) {
  EXPECT_EQ(Native("read"), kAllow);
  EXPECT_EQ(Native("getpid"), kAllow);
  EXPECT_EQ(Native("mount"), Errno(EPERM));
  EXPECT_EQ(Native("keyctl"), Errno(EPERM));
  EXPECT_EQ(Native("unshare"), Errno(EPERM));
  EXPECT_EQ(Native("clone3"), Errno(ENOSYS));
  EXPECT_EQ(Native("clone", {SIGCHLD}), kAllow);
  EXPECT_EQ(Native("clone", {0x10000000 /*CLONE_NEWUSER*/ | SIGCHLD}), Errno(EPERM));
  EXPECT_EQ(Native("socket", {2 /*AF_INET*/}), kAllow);
  EXPECT_EQ(Native("socket", {39 /*AF_NFC*/}), kAllow);
  EXPECT_EQ(Native("socket", {41}), kAllow);
  EXPECT_EQ(Native("socket", {38 /*AF_ALG*/}), Errno(EPERM));
  EXPECT_EQ(Native("socket", {40 /*AF_VSOCK*/}), Errno(EPERM));
  EXPECT_EQ(Native("personality", {0xffffffff}), kAllow);
  EXPECT_EQ(Native("personality", {0x0006 /*PER_BSD*/}), Errno(EPERM));
}

TEST_F(FilterTest, NumbersAboveTheProfileAnswerEnosysUpToTheBound) {
  int max = 0;
  for (const SeccompRule& r : DefaultSeccompProfile(kDockerCaps, kAmd64).syscalls) {
    for (const std::string& n : r.names) {
      max = std::max(max, seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, n.c_str()));
    }
  }
  ASSERT_GT(max, 400);
  EXPECT_NE(Call(AUDIT_ARCH_X86_64, max), Errno(ENOSYS));
  EXPECT_EQ(Call(AUDIT_ARCH_X86_64, max + 1), Errno(ENOSYS));
  EXPECT_EQ(Call(AUDIT_ARCH_X86_64, 1000), Errno(ENOSYS));
  EXPECT_EQ(Call(AUDIT_ARCH_X86_64, kNewSyscallBound), Errno(ENOSYS));
  EXPECT_EQ(Call(AUDIT_ARCH_X86_64, kNewSyscallBound + 1), Errno(EPERM));
  EXPECT_EQ(Call(AUDIT_ARCH_X86_64, 0xffffffff), Errno(EPERM));
}

TEST_F(FilterTest, I386CallsAreFilteredToo) {
  auto x86 = [](const char* name) {
    return static_cast<uint32_t>(seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86, name));
  };
  EXPECT_EQ(Call(AUDIT_ARCH_I386, x86("read")), kAllow);
  EXPECT_EQ(Call(AUDIT_ARCH_I386, x86("socketcall")), kAllow);
  EXPECT_EQ(Call(AUDIT_ARCH_I386, x86("chown32")), kAllow);
  EXPECT_EQ(Call(AUDIT_ARCH_I386, x86("mount")), Errno(EPERM));
  EXPECT_EQ(Call(AUDIT_ARCH_I386, x86("clone3")), Errno(ENOSYS));
  EXPECT_EQ(Call(AUDIT_ARCH_I386, 1000), Errno(ENOSYS));
  EXPECT_EQ(Call(AUDIT_ARCH_I386, 2000), Errno(EPERM));
}

TEST_F(FilterTest, X32CallsHaveTheirOwnRange) {
  EXPECT_EQ(Call(AUDIT_ARCH_X86_64, kX32Bit + 0 /*read*/), kAllow);
  EXPECT_EQ(Call(AUDIT_ARCH_X86_64, kX32Bit + 512 /*x32 rt_sigaction*/), kAllow);
  EXPECT_EQ(Call(AUDIT_ARCH_X86_64, kX32Bit + 165 /*mount*/), Errno(EPERM));
  EXPECT_EQ(Call(AUDIT_ARCH_X86_64, kX32Bit + 500), Errno(ENOSYS));
  EXPECT_EQ(Call(AUDIT_ARCH_X86_64, kX32Bit + 1000), Errno(EPERM));
}

TEST_F(FilterTest, UnknownArchitecturesAreKilled) {
  EXPECT_EQ(Call(AUDIT_ARCH_AARCH64, 63), SECCOMP_RET_KILL_THREAD);
}

TEST(ExportSeccompBpf, AllowByDefaultHasNoEnosysRange) {
  auto p = ParseDockerSeccompProfile(
      R"({"defaultAction": "SCMP_ACT_ALLOW",
          "syscalls": [{"names": ["getcwd"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]})",
      {}, kAmd64);
  ASSERT_TRUE(p.ok()) << p.status();
  auto bpf = ExportSeccompBpf(*p);
  ASSERT_TRUE(bpf.ok()) << bpf.status();
  seccomp_data d{};
  d.arch = AUDIT_ARCH_X86_64;
  d.nr = seccomp_syscall_resolve_name("getcwd");
  EXPECT_EQ(RunBpf(*bpf, d), Errno(EPERM));
  d.nr = 1000;
  EXPECT_EQ(RunBpf(*bpf, d), kAllow);
}

TEST(ExportSeccompBpf, SkipsUnknownNamesAndSplitsRepeatedArguments) {
  SeccompProfile p;
  p.default_action = "SCMP_ACT_ERRNO";  // EPERM when no errno is given
  p.syscalls = {{{"syscall_from_2030", "read"}, "SCMP_ACT_ALLOW", std::nullopt, {}},
                {{"personality"},
                 "SCMP_ACT_ALLOW",
                 std::nullopt,
                 {{0, 8, 0, "SCMP_CMP_EQ"}, {0, 0x20000, 0, "SCMP_CMP_EQ"}}}};
  auto bpf = ExportSeccompBpf(p);
  ASSERT_TRUE(bpf.ok()) << bpf.status();
  seccomp_data d{};
  d.arch = AUDIT_ARCH_X86_64;
  d.nr = seccomp_syscall_resolve_name("read");
  EXPECT_EQ(RunBpf(*bpf, d), kAllow);
  d.nr = seccomp_syscall_resolve_name("personality");
  for (uint64_t v : {8ULL, 0x20000ULL}) {
    d.args[0] = v;
    EXPECT_EQ(RunBpf(*bpf, d), kAllow) << v;
  }
  d.args[0] = 6;
  EXPECT_EQ(RunBpf(*bpf, d), Errno(EPERM));
}

TEST(ExportSeccompBpf, RefusesProfilesTheParserWouldRefuse) {
  SeccompProfile p;
  p.default_action = "SCMP_ACT_MAYBE";
  EXPECT_EQ(ExportSeccompBpf(p).status().code(), absl::StatusCode::kInvalidArgument);
  p.default_action = "SCMP_ACT_ERRNO";
  p.syscalls = {{{"read"}, "SCMP_ACT_ALLOW", std::nullopt, {{0, 1, 0, "SCMP_CMP_ABOUT"}}}};
  EXPECT_EQ(ExportSeccompBpf(p).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(LoadSeccompBpf, RefusesBytesThatAreNotAProgram) {
  EXPECT_EQ(LoadSeccompBpf("").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(LoadSeccompBpf("12345").code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace berth::runtimed::security
