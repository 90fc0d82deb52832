// The cgroup v2 device program, evaluated without a kernel: a small
// interpreter of exactly the instructions BuildDeviceFilter emits runs the
// program on device accesses. (The root integration test loads the same
// program into the kernel and opens real device nodes.)
#include "services/runtimed/cgroups/device_filter.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace berth::runtimed::cgroups {
namespace {

// Runs `program` on one access; -1 on an instruction it does not know.
int Evaluate(const std::vector<bpf_insn>& program, const bpf_cgroup_dev_ctx& ctx) {
  uint64_t reg[11] = {};
  const auto* words = reinterpret_cast<const uint32_t*>(&ctx);
  for (size_t pc = 0; pc < program.size(); ++pc) {
    const bpf_insn& i = program[pc];
    switch (i.code) {
      case BPF_LDX | BPF_MEM | BPF_W:
        if (i.src_reg != BPF_REG_1 || i.off % 4 != 0 || i.off >= 12) return -1;
        reg[i.dst_reg] = words[i.off / 4];
        break;
      case BPF_ALU | BPF_AND | BPF_K:
        reg[i.dst_reg] = static_cast<uint32_t>(reg[i.dst_reg]) & static_cast<uint32_t>(i.imm);
        break;
      case BPF_ALU | BPF_RSH | BPF_K:
        reg[i.dst_reg] = static_cast<uint32_t>(reg[i.dst_reg]) >> i.imm;
        break;
      case BPF_ALU | BPF_MOV | BPF_X:
        reg[i.dst_reg] = static_cast<uint32_t>(reg[i.src_reg]);
        break;
      case BPF_ALU64 | BPF_MOV | BPF_K:
        reg[i.dst_reg] = static_cast<uint64_t>(static_cast<int64_t>(i.imm));
        break;
      case BPF_JMP | BPF_JNE | BPF_K:
        if (reg[i.dst_reg] != static_cast<uint64_t>(static_cast<int64_t>(i.imm))) pc += i.off;
        break;
      case BPF_JMP | BPF_EXIT:
        return static_cast<int>(reg[BPF_REG_0]);
      default:
        return -1;
    }
  }
  return -1;  // fell off the end: the kernel's verifier would refuse it
}

bpf_cgroup_dev_ctx Access(char type, uint32_t major, uint32_t minor, uint32_t access) {
  bpf_cgroup_dev_ctx ctx{};
  ctx.access_type = (access << 16) | (type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
  ctx.major = major;
  ctx.minor = minor;
  return ctx;
}

std::vector<bpf_insn> Program(const std::vector<std::string>& rules) {
  std::vector<DeviceRule> parsed;
  for (const auto& r : rules) {
    auto rule = ParseDeviceRule(r);
    EXPECT_TRUE(rule.ok()) << r;
    if (rule.ok()) parsed.push_back(*rule);
  }
  return BuildDeviceFilter(parsed);
}

constexpr uint32_t kRead = BPF_DEVCG_ACC_READ;
constexpr uint32_t kWrite = BPF_DEVCG_ACC_WRITE;
constexpr uint32_t kMknod = BPF_DEVCG_ACC_MKNOD;

TEST(DeviceFilterTest, ParsesDevicesAllowSyntax) {
  auto rule = ParseDeviceRule("c 1:3 rwm");
  ASSERT_TRUE(rule.ok());
  EXPECT_EQ(*rule, (DeviceRule{'c', 1, 3, true, true, true}));
  rule = ParseDeviceRule("b *:* m");
  ASSERT_TRUE(rule.ok());
  EXPECT_EQ(*rule, (DeviceRule{'b', -1, -1, false, false, true}));
  for (const char* bad : {"", "c 1:3", "x 1:3 rwm", "c 1-3 rwm", "c a:3 rwm", "c 1:3 rwx", "cc 1:3 r"}) {
    EXPECT_EQ(ParseDeviceRule(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(DeviceFilterTest, NoRulesDeniesEverything) {
  auto program = Program({});
  EXPECT_EQ(Evaluate(program, Access('c', 1, 3, kRead)), 0);
  EXPECT_EQ(Evaluate(program, Access('b', 8, 0, kMknod)), 0);
}

TEST(DeviceFilterTest, AllowsExactlyWhatARuleAllows) {
  // Docker's defaults include /dev/null (c 1:3) and mknod of any char or
  // block device; /dev/full (c 1:7) is not in this list.
  auto program = Program({"c 1:3 rwm", "c *:* m", "b *:* m", "c 136:* rw"});
  EXPECT_EQ(Evaluate(program, Access('c', 1, 3, kRead | kWrite)), 1);
  EXPECT_EQ(Evaluate(program, Access('c', 1, 7, kRead)), 0);
  EXPECT_EQ(Evaluate(program, Access('c', 1, 7, kMknod)), 1);
  EXPECT_EQ(Evaluate(program, Access('b', 8, 0, kMknod)), 1);
  EXPECT_EQ(Evaluate(program, Access('b', 8, 0, kRead)), 0);
  EXPECT_EQ(Evaluate(program, Access('c', 136, 5, kRead | kWrite)), 1);
  // Every requested bit must be allowed by one rule.
  EXPECT_EQ(Evaluate(program, Access('c', 136, 5, kRead | kMknod)), 0);
  // Type matters: b 1:3 is not c 1:3.
  EXPECT_EQ(Evaluate(program, Access('b', 1, 3, kRead)), 0);
}

TEST(DeviceFilterTest, AllTypeRuleMatchesBlockAndChar) {
  auto program = Program({"a 7:* r"});
  EXPECT_EQ(Evaluate(program, Access('b', 7, 1, kRead)), 1);
  EXPECT_EQ(Evaluate(program, Access('c', 7, 1, kRead)), 1);
  EXPECT_EQ(Evaluate(program, Access('c', 7, 1, kWrite)), 0);
  EXPECT_EQ(Evaluate(program, Access('c', 8, 1, kRead)), 0);
}

}  // namespace
}  // namespace berth::runtimed::cgroups
