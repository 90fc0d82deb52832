// Resource limits on a private stack, seen from outside with the real docker
// CLI and berth: a memory limit ends in an OOM kill recorded in inspect, a
// pids limit bounds a fork bomb, --cpus holds a busy loop near its share (read
// from the container's own cpuacct figures), --shm-size sizes /dev/shm, and
// bad values are refused with dockerd's texts. Each TEST is its own ctest entry.
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/support/command.h"
#include "tests/e2e/support/stack.h"
#include "tests/e2e/support/stack_fixture.h"

namespace berth::e2e {
namespace {

using ::testing::HasSubstr;



class ResourcesTest : public BusyboxStackTest {
 protected:
  std::string Inspect(const std::string& name, const std::string& format) {
    return Trimmed(stack_->Docker("inspect -f '" + format + "' " + name).out);
  }

  // The host path of the container's cgroup in one v1 hierarchy, from
  // /proc/<init pid>/cgroup ("4:cpuacct:/berth/<id>").
  std::string CgroupDir(const std::string& name, const std::string& controller) {
    std::string pid = Inspect(name, "{{.State.Pid}}");
    for (absl::string_view line : absl::StrSplit(ReadFileText("/proc/" + pid + "/cgroup"), '\n')) {
      std::vector<std::string> f = absl::StrSplit(line, absl::MaxSplits(':', 2));
      if (f.size() != 3) continue;
      for (absl::string_view c : absl::StrSplit(f[1], ',')) {
        if (c == controller) return "/sys/fs/cgroup/" + controller + f[2];
      }
    }
    return "";
  }

};

TEST_F(ResourcesTest, MemoryLimitEndsInAnOomKillShownByInspect) {
  // Holds ~200 MB in a shell variable, far above 32m of memory (+ 32m swap).
  CommandResult run = stack_->Docker(
      "run --name e2e-oom -m 32m busybox sh -c "
      "'x=$(head -c 200000000 /dev/zero | tr \"\\0\" a); echo survived'",
      CommandOptions{.timeout = std::chrono::seconds(60)});
  EXPECT_EQ(run.exit_code, 137) << run.out << run.err;
  EXPECT_THAT(run.out, ::testing::Not(HasSubstr("survived")));
  EXPECT_EQ(Inspect("e2e-oom", "{{.State.OOMKilled}}"), "true");
  EXPECT_EQ(Inspect("e2e-oom", "{{.State.ExitCode}}"), "137");
  EXPECT_EQ(Inspect("e2e-oom", "{{.HostConfig.Memory}}"), "33554432");
  // Docker's order: the oom event, then the die it caused.
  CommandResult events = stack_->Docker(
      "events --since 1 --until \"$(( $(date +%s) + 1 ))\" --filter container=e2e-oom "
      "--format '{{.Action}}'");
  EXPECT_EQ(events.exit_code, 0) << events.err;
  EXPECT_THAT(events.out, HasSubstr("oom\ndie"));
  EXPECT_EQ(stack_->Docker("rm e2e-oom").exit_code, 0);
}

TEST_F(ResourcesTest, PidsLimitBoundsAForkBomb) {
  // 60 background sleepers against pids.max 20: forks start failing; the
  // container counts its own processes (its pid namespace's /proc) with
  // builtins only: at the limit, no further fork succeeds. The bomb runs in
  // a child shell, since ash exits when a fork fails.
  CommandResult run = stack_->Docker(
      "run --rm --pids-limit 20 busybox sh -c "
      "'sh -c \"i=0; while [ \\$i -lt 60 ]; do sleep 30 & i=\\$((i+1)); done\" 2>/dev/null; "
      "set -- /proc/[0-9]*; echo $#'",
      CommandOptions{.timeout = std::chrono::seconds(60)});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  int count = 0;
  ASSERT_TRUE(absl::SimpleAtoi(Trimmed(run.out), &count)) << run.out;
  EXPECT_LE(count, 20);
  EXPECT_GE(count, 10) << "the limit, not something else, stopped the forks";

  // berth run takes the same flag, and it replaces runtimed's default (4096).
  CommandResult berth =
      stack_->Berth("run -d --name e2e-pids --pids-limit 7 busybox sleep 30");
  ASSERT_EQ(berth.exit_code, 0) << berth.err;
  EXPECT_EQ(Trimmed(ReadFileText(CgroupDir("e2e-pids", "pids") + "/pids.max")), "7");
  EXPECT_EQ(Inspect("e2e-pids", "{{.HostConfig.PidsLimit}}"), "7");
  EXPECT_EQ(stack_->Docker("rm -f e2e-pids").exit_code, 0);
}

TEST_F(ResourcesTest, HalfACpuHoldsABusyLoopNearHalfACore) {
  ASSERT_EQ(stack_->Docker("run -d --name e2e-busy --cpus 0.5 busybox sh -c 'while :; do :; done'")
                .exit_code,
            0);
  std::string acct = CgroupDir("e2e-busy", "cpuacct");
  ASSERT_NE(acct, "");
  auto usage = [&] {
    uint64_t ns = 0;
    EXPECT_TRUE(absl::SimpleAtoi(Trimmed(ReadFileText(acct + "/cpuacct.usage")), &ns));
    return ns;
  };
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  uint64_t before = usage();
  auto t0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(3));
  uint64_t after = usage();
  double wall_ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
  double cores = static_cast<double>(after - before) / wall_ns;
  // Behaviour, not a benchmark: without the quota the loop takes a whole
  // core (or as much as the shared machine gives it).
  EXPECT_GT(cores, 0.2) << cores;
  EXPECT_LT(cores, 0.65) << cores;
  std::string cpu = CgroupDir("e2e-busy", "cpu");
  EXPECT_EQ(Trimmed(ReadFileText(cpu + "/cpu.cfs_quota_us")), "50000");
  EXPECT_EQ(Inspect("e2e-busy", "{{.HostConfig.NanoCpus}}"), "500000000");
  EXPECT_EQ(stack_->Docker("rm -f e2e-busy").exit_code, 0);
}

TEST_F(ResourcesTest, ShmSizeSizesDevShm) {
  CommandResult run = stack_->Docker("run --rm --shm-size 128m busybox df -k /dev/shm");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("131072"));
  run = stack_->Berth("run --rm busybox df -k /dev/shm");
  EXPECT_THAT(run.out, HasSubstr("65536"));
}

TEST_F(ResourcesTest, BadValuesAreRefusedWithDockersTexts) {
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  struct Case {
    std::string flags;
    std::string message;
  };
  for (const Case& c : {
           Case{"-m 4m", "Minimum memory limit allowed is 6MB"},
           Case{"-m 32m --memory-swap 16m",
                "Minimum memoryswap limit should be larger than memory limit, see usage"},
           Case{"-m 32m --memory-reservation 64m",
                "Minimum memory limit can not be less than memory reservation limit, see usage"},
           Case{absl::StrCat("--cpus ", cpus + 1),
                absl::StrCat("Range of CPUs is from 0.01 to ", cpus, ".00, as there are only ",
                             cpus, " CPUs available")},
           Case{"--cpu-period 500",
                "CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. "
                "1000000)"},
           Case{"--cpuset-cpus 63", "Requested CPUs are not available - requested 63"},
           Case{"--blkio-weight 5", "Range of blkio weight is from 10 to 1000"},
       }) {
    for (bool docker : {true, false}) {
      std::string args = "run --rm " + c.flags + " busybox true";
      CommandResult r = docker ? stack_->Docker(args) : stack_->Berth(args);
      EXPECT_NE(r.exit_code, 0) << (docker ? "docker " : "berth ") << args;
      EXPECT_THAT(r.err, HasSubstr(c.message)) << (docker ? "docker " : "berth ") << args;
    }
  }
  // Kernel memory: gone from the docker CLI (23.0); refused by berth and the API.
  CommandResult kmem = stack_->Berth("run --rm --kernel-memory 64m busybox true");
  EXPECT_NE(kmem.exit_code, 0);
  EXPECT_THAT(kmem.err, HasSubstr("--kernel-memory is not supported"));
}

TEST_F(ResourcesTest, DockerStatsNoStreamShowsABusyContainersFigures) {
  ASSERT_EQ(stack_->Docker("run -d --name e2e-stats -m 64m --cpus 0.5 busybox "
                           "sh -c 'while :; do :; done'")
                .exit_code,
            0);
  CommandResult stats = stack_->Docker(
      "stats --no-stream --format "
      "'{{.Name}}|{{.CPUPerc}}|{{.MemUsage}}|{{.MemPerc}}|{{.NetIO}}|{{.PIDs}}' e2e-stats",
      CommandOptions{.timeout = std::chrono::seconds(30)});
  ASSERT_EQ(stats.exit_code, 0) << stats.out << stats.err;
  std::vector<std::string> f = absl::StrSplit(Trimmed(stats.out), '|');
  ASSERT_EQ(f.size(), 6u) << stats.out;
  EXPECT_EQ(f[0], "e2e-stats");
  // CPU % is per core: the busy loop under --cpus 0.5 reads near 50%.
  double cpu = 0;
  ASSERT_TRUE(absl::SimpleAtod(absl::StripSuffix(f[1], "%"), &cpu)) << f[1];
  EXPECT_GT(cpu, 20.0) << stats.out;
  EXPECT_LT(cpu, 70.0) << stats.out;
  EXPECT_THAT(f[2], HasSubstr("/ 64MiB")) << stats.out;
  EXPECT_NE(f[3], "0.00%") << stats.out;
  EXPECT_THAT(f[4], HasSubstr("B / ")) << stats.out;  // eth0's counters
  EXPECT_EQ(f[5], "1") << stats.out;  // sh runs the loop itself
  EXPECT_EQ(stack_->Docker("rm -f e2e-stats").exit_code, 0);
}

TEST_F(ResourcesTest, DockerUpdateMemoryTakesEffectOnARunningContainer) {
  ASSERT_EQ(stack_->Docker("run -d --name e2e-update -m 32m busybox sleep 60").exit_code, 0);
  std::string memory = CgroupDir("e2e-update", "memory");
  ASSERT_NE(memory, "");
  EXPECT_EQ(Trimmed(ReadFileText(memory + "/memory.limit_in_bytes")), "33554432");
  CommandResult update = stack_->Docker("update --memory 48m --pids-limit 30 e2e-update");
  ASSERT_EQ(update.exit_code, 0) << update.out << update.err;
  EXPECT_EQ(Trimmed(ReadFileText(memory + "/memory.limit_in_bytes")), "50331648");
  EXPECT_EQ(Trimmed(ReadFileText(CgroupDir("e2e-update", "pids") + "/pids.max")), "30");
  EXPECT_EQ(Inspect("e2e-update", "{{.HostConfig.Memory}}"), "50331648");
  CommandResult stats = stack_->Docker("stats --no-stream --format '{{.MemUsage}}' e2e-update");
  EXPECT_THAT(stats.out, HasSubstr("/ 48MiB"));
  CommandResult bad = stack_->Docker("update --memory 4m e2e-update");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_THAT(bad.err, HasSubstr("Minimum memory limit allowed is 6MB"));
  EXPECT_EQ(stack_->Docker("rm -f e2e-update").exit_code, 0);
}

TEST_F(ResourcesTest, DockerPyStatsHasDockersKeys) {
  ASSERT_EQ(stack_->Docker("run -d --name e2e-pystats busybox sleep 60").exit_code, 0);
  std::string script =
      "import docker, sys\n"
      "c = docker.DockerClient(base_url=sys.argv[1]).containers.get('e2e-pystats')\n"
      "s = c.stats(stream=False)\n"
      "for k in ['read', 'preread', 'cpu_stats', 'precpu_stats', 'memory_stats', 'pids_stats',"
      " 'blkio_stats', 'networks', 'name', 'id']:\n"
      "    assert k in s, k\n"
      "assert s['cpu_stats']['cpu_usage']['total_usage'] > 0\n"
      "assert s['precpu_stats']['system_cpu_usage'] > 0\n"
      "assert s['memory_stats']['usage'] > 0 and s['memory_stats']['limit'] > 0\n"
      "assert 'eth0' in s['networks'], s['networks']\n"
      "assert s['pids_stats']['current'] == 1\n"
      "print('ok', s['name'])\n";
  CommandResult py = stack_->Shell(
      "python3 - " + ShellQuote(stack_->docker_host()),
      CommandOptions{.stdin_data = script, .timeout = std::chrono::seconds(30)});
  EXPECT_EQ(py.exit_code, 0) << py.out << py.err;
  EXPECT_THAT(py.out, HasSubstr("ok /e2e-pystats"));
  EXPECT_EQ(stack_->Docker("rm -f e2e-pystats").exit_code, 0);
}

// runtimed's /metrics carries each container's series under cAdvisor's names,
// passes promtool, and a removed container's series are gone.
TEST_F(ResourcesTest, RuntimedMetricsHaveEachContainersSeriesUntilRemoved) {
  const int kContainers = 10;
  std::vector<std::string> ids;
  for (int i = 0; i < kContainers; ++i) {
    CommandResult run = stack_->Docker(absl::StrCat("run -d --name e2e-metrics-", i,
                                                    " busybox sleep 600"));
    ASSERT_EQ(run.exit_code, 0) << run.err;
    ids.push_back(Trimmed(run.out));
  }
  const std::string scrape = "curl -sf http://" + stack_->MetricsAddress("runtimed") + "/metrics";
  CommandResult check = stack_->Shell(scrape + " | tee /dev/stderr | promtool check metrics");
  EXPECT_EQ(check.exit_code, 0) << check.out;
  const std::string& text = check.err;
  for (int i = 0; i < kContainers; ++i) {
    std::string labels = absl::StrCat("{id=\"", ids[i], "\",name=\"e2e-metrics-", i,
                                      "\",image=\"busybox\"}");
    EXPECT_THAT(text, HasSubstr("container_cpu_usage_seconds_total" + labels)) << i;
    EXPECT_THAT(text, HasSubstr("container_memory_working_set_bytes" + labels)) << i;
    EXPECT_THAT(text, HasSubstr("container_threads" + labels + " 1")) << i;
    EXPECT_THAT(text, HasSubstr(absl::StrCat("container_network_receive_bytes_total{id=\"",
                                             ids[i], "\"")))
        << i;
  }
  std::string names;
  for (int i = 0; i < kContainers; ++i) absl::StrAppend(&names, " e2e-metrics-", i);
  ASSERT_EQ(stack_->Docker("rm -f" + names).exit_code, 0);
  CommandResult after = stack_->Shell(scrape);
  ASSERT_EQ(after.exit_code, 0);
  for (const std::string& id : ids) {
    EXPECT_THAT(after.out, ::testing::Not(HasSubstr(id)));
  }
}


}  // namespace
}  // namespace berth::e2e
