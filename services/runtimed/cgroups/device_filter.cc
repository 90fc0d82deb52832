#include "services/runtimed/cgroups/device_filter.h"

#include <cstddef>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace berth::runtimed::cgroups {
namespace {

// The registers the program keeps the access in, loaded once from the
// context (struct bpf_cgroup_dev_ctx).
constexpr uint8_t kType = BPF_REG_2;    // access_type & 0xffff: BPF_DEVCG_DEV_*
constexpr uint8_t kAccess = BPF_REG_3;  // access_type >> 16: BPF_DEVCG_ACC_*
constexpr uint8_t kMajor = BPF_REG_4;
constexpr uint8_t kMinor = BPF_REG_5;
constexpr uint8_t kScratch = BPF_REG_6;

bpf_insn Insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  bpf_insn insn{};
  insn.code = code;
  insn.dst_reg = dst & 0xf;
  insn.src_reg = src & 0xf;
  insn.off = off;
  insn.imm = imm;
  return insn;
}

bpf_insn LoadContextWord(uint8_t dst, int16_t offset) {
  return Insn(BPF_LDX | BPF_MEM | BPF_W, dst, BPF_REG_1, offset, 0);
}
bpf_insn Mov32Reg(uint8_t dst, uint8_t src) { return Insn(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0); }
bpf_insn Alu32Imm(uint8_t op, uint8_t dst, int32_t imm) {
  return Insn(BPF_ALU | op | BPF_K, dst, 0, 0, imm);
}
// "if dst != imm goto +off" (off fixed up once the rule's block is complete).
bpf_insn JumpIfNotEqual(uint8_t dst, int32_t imm) { return Insn(BPF_JMP | BPF_JNE | BPF_K, dst, 0, 0, imm); }
bpf_insn Return(int32_t value) { return Insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, value); }
bpf_insn Exit() { return Insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0); }

absl::StatusOr<int64_t> ParseNumberOrAny(absl::string_view text, const std::string& rule) {
  if (text == "*") return -1;
  uint32_t n = 0;
  if (!absl::SimpleAtoi(text, &n)) return absl::InvalidArgumentError(absl::StrCat("invalid device rule '", rule, "'"));
  return n;
}

}  // namespace

absl::StatusOr<DeviceRule> ParseDeviceRule(const std::string& text) {
  auto invalid = [&text] { return absl::InvalidArgumentError(absl::StrCat("invalid device rule '", text, "'")); };
  std::vector<absl::string_view> fields = absl::StrSplit(text, ' ', absl::SkipEmpty());
  if (fields.size() != 3 || fields[0].size() != 1) return invalid();
  DeviceRule rule;
  rule.type = fields[0][0];
  if (rule.type != 'a' && rule.type != 'b' && rule.type != 'c') return invalid();
  std::vector<absl::string_view> numbers = absl::StrSplit(fields[1], ':');
  if (numbers.size() != 2) return invalid();
  absl::StatusOr<int64_t> major = ParseNumberOrAny(numbers[0], text);
  if (!major.ok()) return major.status();
  absl::StatusOr<int64_t> minor = ParseNumberOrAny(numbers[1], text);
  if (!minor.ok()) return minor.status();
  rule.major = *major;
  rule.minor = *minor;
  if (fields[2].empty()) return invalid();
  for (char c : fields[2]) {
    if (c == 'r') {
      rule.read = true;
    } else if (c == 'w') {
      rule.write = true;
    } else if (c == 'm') {
      rule.mknod = true;
    } else {
      return invalid();
    }
  }
  return rule;
}

std::vector<bpf_insn> BuildDeviceFilter(const std::vector<DeviceRule>& rules) {
  std::vector<bpf_insn> program = {
      LoadContextWord(kType, offsetof(bpf_cgroup_dev_ctx, access_type)),
      Alu32Imm(BPF_AND, kType, 0xffff),
      LoadContextWord(kAccess, offsetof(bpf_cgroup_dev_ctx, access_type)),
      Alu32Imm(BPF_RSH, kAccess, 16),
      LoadContextWord(kMajor, offsetof(bpf_cgroup_dev_ctx, major)),
      LoadContextWord(kMinor, offsetof(bpf_cgroup_dev_ctx, minor)),
  };
  for (const DeviceRule& rule : rules) {
    // Each test jumps past the rest of this rule's block when it fails.
    std::vector<bpf_insn> block;
    if (rule.type != 'a') {
      block.push_back(JumpIfNotEqual(kType, rule.type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR));
    }
    int32_t allowed = (rule.read ? BPF_DEVCG_ACC_READ : 0) | (rule.write ? BPF_DEVCG_ACC_WRITE : 0) |
                      (rule.mknod ? BPF_DEVCG_ACC_MKNOD : 0);
    constexpr int32_t kAll = BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD;
    if (allowed != kAll) {
      // Every requested bit must be allowed: (access & ~allowed) == 0.
      block.push_back(Mov32Reg(kScratch, kAccess));
      block.push_back(Alu32Imm(BPF_AND, kScratch, kAll & ~allowed));
      block.push_back(JumpIfNotEqual(kScratch, 0));
    }
    if (rule.major >= 0) block.push_back(JumpIfNotEqual(kMajor, static_cast<int32_t>(rule.major)));
    if (rule.minor >= 0) block.push_back(JumpIfNotEqual(kMinor, static_cast<int32_t>(rule.minor)));
    block.push_back(Return(1));
    block.push_back(Exit());
    for (size_t i = 0; i < block.size(); ++i) {
      if (block[i].code == (BPF_JMP | BPF_JNE | BPF_K)) {
        block[i].off = static_cast<int16_t>(block.size() - i - 1);
      }
    }
    program.insert(program.end(), block.begin(), block.end());
  }
  program.push_back(Return(0));
  program.push_back(Exit());
  return program;
}

}  // namespace berth::runtimed::cgroups
