// docker update / berth update end to end: resources reach the running
// container's cgroup files at once (memory, memory-swap, cpu-shares, cpus
// and cpu-quota, pids-limit, cpuset) and are persisted (inspect, and after
// runtimed is SIGKILLed and restarted); the restart policy changes; fields
// Berth cannot apply are refused with a clear error.
#include <signal.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/support/command.h"
#include "tests/e2e/support/stack.h"
#include "tests/e2e/support/stack_fixture.h"

namespace berth::e2e {
namespace {

using ::testing::HasSubstr;

class UpdateTest : public BusyboxStackCliTest {
 protected:
  std::string Inspect(const std::string& name, const std::string& format) {
    return Trimmed(stack_->Docker("inspect -f '" + format + "' " + name).out);
  }
  // The container's cgroup dir in one v1 hierarchy (or the v2 dir).
  std::string CgroupFile(const std::string& name, const std::string& controller,
                         const std::string& file) {
    std::string pid = Inspect(name, "{{.State.Pid}}");
    for (absl::string_view line : absl::StrSplit(ReadFileText("/proc/" + pid + "/cgroup"), '\n')) {
      std::vector<std::string> f = absl::StrSplit(line, absl::MaxSplits(':', 2));
      if (f.size() != 3) continue;
      for (absl::string_view c : absl::StrSplit(f[1], ',')) {
        if (c == controller) return Trimmed(ReadFileText("/sys/fs/cgroup/" + controller + f[2] + "/" + file));
      }
    }
    return "<no " + controller + " cgroup>";
  }
};

TEST_P(UpdateTest, ResourcesReachTheRunningCgroupAndArePersisted) {
  ASSERT_EQ(stack_->Docker("run -d --name up -m 32m busybox sleep 600").exit_code, 0);
  CommandResult update = Cli(
      "update --memory 64m --memory-swap 128m --cpu-shares 512 --cpus 0.5 --pids-limit 40 "
      "--cpuset-cpus 0 up");
  ASSERT_EQ(update.exit_code, 0) << update.out << update.err;
  EXPECT_EQ(Trimmed(update.out), "up");
  EXPECT_EQ(CgroupFile("up", "memory", "memory.limit_in_bytes"), "67108864");
  EXPECT_EQ(CgroupFile("up", "memory", "memory.memsw.limit_in_bytes"), "134217728");
  EXPECT_EQ(CgroupFile("up", "cpu", "cpu.shares"), "512");
  EXPECT_EQ(CgroupFile("up", "cpu", "cpu.cfs_quota_us"), "50000");
  EXPECT_EQ(CgroupFile("up", "cpu", "cpu.cfs_period_us"), "100000");
  EXPECT_EQ(CgroupFile("up", "pids", "pids.max"), "40");
  EXPECT_EQ(CgroupFile("up", "cpuset", "cpuset.cpus"), "0");
  // The container goes on (nothing restarted it).
  EXPECT_EQ(Inspect("up", "{{.State.Status}} {{.RestartCount}}"), "running 0");

  // Persisted: runtimed is SIGKILLed and comes back; inspect says the same.
  int pid = stack_->ServicePid("runtimed");
  ASSERT_GT(pid, 0);
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  for (int i = 0; i < 100 && ::kill(pid, 0) == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(stack_->Up().exit_code, 0);
  std::string after;
  for (int i = 0; i < 50; ++i) {
    after = Inspect("up", "{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} "
                          "{{.HostConfig.CpuShares}} {{.HostConfig.NanoCpus}} "
                          "{{.HostConfig.PidsLimit}} {{.HostConfig.CpusetCpus}}");
    if (!after.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_EQ(after, "67108864 134217728 512 500000000 40 0");
  // A stopped container keeps the update for its next start.
  ASSERT_EQ(stack_->Docker("stop -t 1 up").exit_code, 0);
  ASSERT_EQ(Cli("update --cpus 0.2 up").exit_code, 0);
  ASSERT_EQ(stack_->Docker("start up").exit_code, 0);
  EXPECT_EQ(CgroupFile("up", "cpu", "cpu.cfs_quota_us"), "20000");
  EXPECT_EQ(CgroupFile("up", "memory", "memory.limit_in_bytes"), "67108864");
}

TEST_P(UpdateTest, RestartPolicyChangesAndBadValuesAreRefused) {
  ASSERT_EQ(stack_->Docker("run -d --name rp busybox sleep 600").exit_code, 0);
  ASSERT_EQ(Cli("update --restart on-failure:3 rp").exit_code, 0);
  EXPECT_EQ(Inspect("rp", "{{.HostConfig.RestartPolicy.Name}}:"
                          "{{.HostConfig.RestartPolicy.MaximumRetryCount}}"),
            "on-failure:3");
  CommandResult bad_policy = Cli("update --restart sometimes rp");
  EXPECT_NE(bad_policy.exit_code, 0);
  EXPECT_THAT(bad_policy.err, HasSubstr("invalid restart policy"));
  CommandResult too_small = Cli("update --memory 4m rp");
  EXPECT_NE(too_small.exit_code, 0);
  EXPECT_THAT(too_small.err, HasSubstr("Minimum memory limit allowed is 6MB"));
  CommandResult kmem = Cli("update --kernel-memory 64m rp");
  EXPECT_NE(kmem.exit_code, 0);
  EXPECT_THAT(kmem.err, HasSubstr("kernel"));
  // Nothing changed by the refusals.
  EXPECT_EQ(Inspect("rp", "{{.HostConfig.Memory}}"), "0");
  CommandResult missing = Cli("update --cpu-shares 100 no-such-ctr");
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_THAT(missing.err, HasSubstr("no-such-ctr"));
}

// Fields of docker update that Berth does not apply are refused by name
// (the docker CLI only: berth update has no such flags).
TEST_P(UpdateTest, UnsupportedFieldsAreRefusedByName) {
  if (GetParam() != "docker") GTEST_SKIP() << "docker CLI flags only";
  ASSERT_EQ(stack_->Docker("run -d --name rt busybox sleep 600").exit_code, 0);
  CommandResult rt = stack_->Docker("update --cpu-rt-runtime 1000 rt");
  EXPECT_NE(rt.exit_code, 0);
  EXPECT_THAT(rt.err, HasSubstr("CpuRealtimeRuntime is not supported"));
}

INSTANTIATE_TEST_SUITE_P(Clis, UpdateTest, ::testing::Values("docker", "berth"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace berth::e2e
