// The cgroupfs drivers against fake cgroup trees in a temp dir: plain
// directories and files stand in for cgroupfs (the kernel's own checks are
// exercised by the e2e tests), so these pin what each driver writes where.
#include "services/runtimed/cgroups/cgroup_manager.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "common/fs/fs.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace berth::runtimed::cgroups {
namespace {

using ::testing::ElementsAre;

constexpr char kHybridMountinfo[] =
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime shared:9 - cgroup cgroup rw,memory\n"
    "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
    "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

TEST(CgroupLayoutTest, HybridIsV1WithCpuAndCpuacctApart) {
  auto layout = DetectLayout(kHybridMountinfo);
  ASSERT_TRUE(layout.ok()) << layout.status();
  EXPECT_EQ(layout->version, Version::kV1);
  EXPECT_EQ(layout->v1.at("cpu"), "/sys/fs/cgroup/cpu");
  EXPECT_EQ(layout->v1.at("cpuacct"), "/sys/fs/cgroup/cpuacct");
  EXPECT_EQ(layout->v1.at("pids"), "/sys/fs/cgroup/pids");
  EXPECT_FALSE(layout->v1.contains("name=systemd"));
  EXPECT_FALSE(layout->v1.contains("systemd"));
  EXPECT_EQ(layout->unified, "/sys/fs/cgroup/unified");
}

TEST(CgroupLayoutTest, CoMountedControllersShareAMountPoint) {
  auto layout = DetectLayout(
      "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n");
  ASSERT_TRUE(layout.ok());
  EXPECT_EQ(layout->v1.at("cpu"), "/sys/fs/cgroup/cpu,cpuacct");
  EXPECT_EQ(layout->v1.at("cpuacct"), "/sys/fs/cgroup/cpu,cpuacct");
  auto manager = NewCgroupManager(*layout, "berth", "c1");
  EXPECT_THAT(manager->paths(), ElementsAre("/sys/fs/cgroup/cpu,cpuacct/berth/c1"));
}

TEST(CgroupLayoutTest, UnifiedOnlyIsV2) {
  auto layout = DetectLayout("25 20 0:24 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n");
  ASSERT_TRUE(layout.ok());
  EXPECT_EQ(layout->version, Version::kV2);
  EXPECT_EQ(layout->unified, "/sys/fs/cgroup");
  EXPECT_THAT(NewCgroupManager(*layout, "berth", "c1")->paths(),
              ElementsAre("/sys/fs/cgroup/berth/c1"));
}

TEST(CgroupLayoutTest, NoCgroupsIsAClearError) {
  auto layout = DetectLayout("22 1 0:21 / /proc rw - proc proc rw\n");
  EXPECT_EQ(layout.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(CgroupHelpersTest, ConversionsMatchDockersV2Mapping) {
  EXPECT_EQ(SharesToWeight(1024), 39u);
  EXPECT_EQ(SharesToWeight(2), 1u);
  EXPECT_EQ(SharesToWeight(262144), 10000u);
  EXPECT_EQ(BlkioWeightToIoWeight(10), 1u);
  EXPECT_EQ(BlkioWeightToIoWeight(1000), 10000u);
  EXPECT_EQ(ParseFlatKeyed("cache 4096\nrss 8192\nbad\n").at("rss"), 8192u);
}

// A fake tree: `files` are created (with content) below the temp dir.
class FakeTree : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-cgroups-test-XXXXXX";
    root_ = mkdtemp(tmpl);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  void Put(const std::string& rel, const std::string& content = "") {
    std::string path = root_ + "/" + rel;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream(path) << content;
  }
  std::string Get(const std::string& rel) {
    auto text = fs::ReadFile(root_ + "/" + rel);
    return text.ok() ? *text : "<missing>";
  }

  std::string root_;
};

class V1DriverTest : public FakeTree {
 protected:
  Layout V1Layout() {
    Layout layout;
    for (const char* c : {"cpu", "cpuacct", "memory", "pids", "devices", "cpuset", "blkio"}) {
      layout.v1[c] = root_ + "/" + c;
    }
    return layout;
  }
  void PutContainerFiles() {
    for (const char* f : {"cpu/berth/c1/cpu.shares", "cpu/berth/c1/cpu.cfs_period_us",
                          "cpu/berth/c1/cpu.cfs_quota_us", "memory/berth/c1/memory.limit_in_bytes",
                          "memory/berth/c1/memory.soft_limit_in_bytes",
                          "memory/berth/c1/memory.oom_control", "pids/berth/c1/pids.max",
                          "devices/berth/c1/devices.allow", "devices/berth/c1/devices.deny",
                          "cpuset/berth/c1/cpuset.cpus", "cpuset/berth/c1/cpuset.mems",
                          "cpuset/berth/cpuset.cpus", "cpuset/berth/cpuset.mems"}) {
      Put(f);
    }
    Put("memory/berth/c1/memory.memsw.limit_in_bytes", "9223372036854771712\n");
    Put("cpuset/cpuset.cpus", "0-1\n");
    Put("cpuset/cpuset.mems", "0\n");
  }
};

TEST_F(V1DriverTest, CreateCopiesCpusetDownAndAppliesEveryLimit) {
  PutContainerFiles();
  auto manager = NewCgroupManager(V1Layout(), "berth", "c1");
  ASSERT_TRUE(manager->Create().ok());
  EXPECT_EQ(Get("cpuset/berth/cpuset.cpus"), "0-1");
  EXPECT_EQ(Get("cpuset/berth/c1/cpuset.mems"), "0");

  Limits l;
  l.memory = 32 << 20;
  l.memory_swap = 64 << 20;
  l.memory_reservation = 16 << 20;
  l.cpu_shares = 512;
  l.cpu_period = 100000;
  l.cpu_quota = 50000;
  l.cpuset_cpus = "1";
  l.pids_limit = 20;
  l.oom_kill_disable = true;
  ASSERT_TRUE(manager->ApplyLimits(l).ok());
  EXPECT_EQ(Get("memory/berth/c1/memory.limit_in_bytes"), "33554432");
  EXPECT_EQ(Get("memory/berth/c1/memory.memsw.limit_in_bytes"), "67108864");
  EXPECT_EQ(Get("memory/berth/c1/memory.soft_limit_in_bytes"), "16777216");
  EXPECT_EQ(Get("memory/berth/c1/memory.oom_control"), "1");
  EXPECT_EQ(Get("cpu/berth/c1/cpu.shares"), "512");
  EXPECT_EQ(Get("cpu/berth/c1/cpu.cfs_quota_us"), "50000");
  EXPECT_EQ(Get("cpu/berth/c1/cpu.cfs_period_us"), "100000");
  EXPECT_EQ(Get("cpuset/berth/c1/cpuset.cpus"), "1");
  EXPECT_EQ(Get("pids/berth/c1/pids.max"), "20");
}

TEST_F(V1DriverTest, UnlimitedPidsAndSwapAreWrittenAsTheKernelSpellsThem) {
  PutContainerFiles();
  auto manager = NewCgroupManager(V1Layout(), "berth", "c1");
  Limits l;
  l.memory = 32 << 20;
  l.memory_swap = -1;
  l.pids_limit = -1;
  ASSERT_TRUE(manager->ApplyLimits(l).ok());
  EXPECT_EQ(Get("memory/berth/c1/memory.memsw.limit_in_bytes"), "-1");
  EXPECT_EQ(Get("pids/berth/c1/pids.max"), "max");
}

TEST_F(V1DriverTest, DevicesDenyAllThenAllowEachRule) {
  PutContainerFiles();
  auto manager = NewCgroupManager(V1Layout(), "berth", "c1");
  ASSERT_TRUE(manager->ApplyDevices({"c 1:3 rwm"}).ok());
  EXPECT_EQ(Get("devices/berth/c1/devices.deny"), "a");
  EXPECT_EQ(Get("devices/berth/c1/devices.allow"), "c 1:3 rwm");
}

TEST_F(V1DriverTest, MissingControllerIsNamed) {
  Layout layout;
  layout.v1["memory"] = root_ + "/memory";
  auto manager = NewCgroupManager(layout, "berth", "c1");
  Limits l;
  l.pids_limit = 20;
  absl::Status s = manager->ApplyLimits(l);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(s.message()), ::testing::HasSubstr("pids"));
  EXPECT_EQ(manager->ApplyDevices({"c 1:3 rwm"}).code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(V1DriverTest, StatsReadEveryHierarchy) {
  Put("cpuacct/berth/c1/cpuacct.usage", "3000000000\n");
  Put("cpuacct/berth/c1/cpuacct.usage_percpu", "1000000000 2000000000 \n");
  Put("cpuacct/berth/c1/cpuacct.stat", "user 150\nsystem 50\n");
  Put("cpu/berth/c1/cpu.stat", "nr_periods 10\nnr_throttled 4\nthrottled_time 123456\n");
  Put("memory/berth/c1/memory.usage_in_bytes", "10485760\n");
  Put("memory/berth/c1/memory.limit_in_bytes", "9223372036854771712\n");
  Put("memory/berth/c1/memory.stat", "cache 4096\nrss 8192\ntotal_inactive_file 1024\n");
  Put("memory/berth/c1/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
  Put("pids/berth/c1/pids.current", "3\n");
  Put("pids/berth/c1/pids.max", "max\n");
  Put("blkio/berth/c1/blkio.throttle.io_service_bytes_recursive",
      "8:0 Read 4096\n8:0 Write 8192\nTotal 12288\n");
  auto manager = NewCgroupManager(V1Layout(), "berth", "c1");
  auto s = manager->ReadStats();
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->cpu_total_ns, 3000000000u);
  EXPECT_THAT(s->cpu_percpu_ns, ElementsAre(1000000000u, 2000000000u));
  EXPECT_EQ(s->cpu_user_ns, 1500000000u);  // USER_HZ 100
  EXPECT_EQ(s->throttled_periods, 4u);
  EXPECT_EQ(s->throttled_ns, 123456u);
  EXPECT_EQ(s->memory_usage, 10485760u);
  EXPECT_EQ(s->memory_limit, 0u);  // unlimited
  EXPECT_EQ(s->memory_stat.at("total_inactive_file"), 1024u);
  EXPECT_EQ(s->oom_kills, 2u);
  EXPECT_EQ(manager->OomKills(), 2u);
  EXPECT_EQ(s->pids_current, 3u);
  EXPECT_EQ(s->pids_limit, 0u);
  ASSERT_EQ(s->io_service_bytes.size(), 2u);
  EXPECT_EQ(s->io_service_bytes[1].op, "write");
  EXPECT_EQ(s->io_service_bytes[1].value, 8192u);
}

class V2DriverTest : public FakeTree {
 protected:
  Layout V2Layout() {
    Layout layout;
    layout.version = Version::kV2;
    layout.unified = root_;
    return layout;
  }
};

TEST_F(V2DriverTest, CreateEnablesControllersDownTheTree) {
  Put("cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma\n");
  Put("cgroup.subtree_control");
  Put("berth/cgroup.subtree_control");
  auto manager = NewCgroupManager(V2Layout(), "berth", "c1");
  ASSERT_TRUE(manager->Create().ok());
  EXPECT_EQ(Get("cgroup.subtree_control"), "+cpuset +cpu +io +memory +pids");
  EXPECT_EQ(Get("berth/cgroup.subtree_control"), "+cpuset +cpu +io +memory +pids");
  EXPECT_TRUE(std::filesystem::is_directory(root_ + "/berth/c1"));
  EXPECT_TRUE(manager->features().memory);
  EXPECT_FALSE(manager->features().devices);
  EXPECT_FALSE(manager->features().oom_kill_disable);
}

TEST_F(V2DriverTest, LimitsUseTheUnifiedFilesAndConversions) {
  for (const char* f : {"memory.max", "memory.swap.max", "memory.low", "cpu.weight", "cpu.max",
                        "pids.max", "io.weight", "cpuset.cpus"}) {
    Put(std::string("berth/c1/") + f);
  }
  auto manager = NewCgroupManager(V2Layout(), "berth", "c1");
  Limits l;
  l.memory = 32 << 20;
  l.memory_swap = 64 << 20;
  l.memory_reservation = 16 << 20;
  l.cpu_shares = 1024;
  l.cpu_quota = 50000;
  l.cpu_period = 100000;
  l.pids_limit = 20;
  l.blkio_weight = 500;
  l.cpuset_cpus = "0";
  ASSERT_TRUE(manager->ApplyLimits(l).ok());
  EXPECT_EQ(Get("berth/c1/memory.max"), "33554432");
  EXPECT_EQ(Get("berth/c1/memory.swap.max"), "33554432");  // swap alone
  EXPECT_EQ(Get("berth/c1/memory.low"), "16777216");
  EXPECT_EQ(Get("berth/c1/cpu.weight"), "39");
  EXPECT_EQ(Get("berth/c1/cpu.max"), "50000 100000");
  EXPECT_EQ(Get("berth/c1/pids.max"), "20");
  EXPECT_EQ(Get("berth/c1/io.weight"), "default 4950");
  EXPECT_EQ(Get("berth/c1/cpuset.cpus"), "0");
}

TEST_F(V2DriverTest, DevicesBecomeAProgramOnTheContainersCgroup) {
  std::string attached_to;
  size_t instructions = 0;
  auto manager = NewCgroupManager(V2Layout(), "berth", "c1",
                                  [&](const std::string& dir, const std::vector<bpf_insn>& program) {
                                    attached_to = dir;
                                    instructions = program.size();
                                    return absl::OkStatus();
                                  });
  ASSERT_TRUE(manager->ApplyDevices({"c 1:3 rwm", "c 1:5 rwm"}).ok());
  EXPECT_EQ(attached_to, root_ + "/berth/c1");
  EXPECT_GT(instructions, 8u);
  // Every device allowed: no program at all.
  attached_to.clear();
  ASSERT_TRUE(manager->ApplyDevices({"a *:* rwm"}).ok());
  EXPECT_EQ(attached_to, "");
  EXPECT_EQ(manager->ApplyDevices({"x 1:3 rwm"}).code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(V2DriverTest, DevicesAndOomDisableAreRefusedClearly) {
  Put("berth/c1/memory.max");
  auto manager = NewCgroupManager(V2Layout(), "berth", "c1",
                                  [](const std::string&, const std::vector<bpf_insn>&) {
                                    return absl::PermissionDeniedError("bpf: Operation not permitted");
                                  });
  absl::Status devices = manager->ApplyDevices({"c 1:3 rwm"});
  EXPECT_EQ(devices.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(devices.message()), ::testing::HasSubstr("cgroup v2 device control"));
  EXPECT_THAT(std::string(devices.message()), ::testing::HasSubstr("Operation not permitted"));
  EXPECT_TRUE(manager->ApplyDevices({"a *:* rwm"}).ok());
  Limits l;
  l.oom_kill_disable = true;
  EXPECT_EQ(manager->ApplyLimits(l).code(), absl::StatusCode::kFailedPrecondition);
  Limits pids;
  pids.pids_limit = 5;  // no pids.max in the fake: controller not enabled
  EXPECT_EQ(manager->ApplyLimits(pids).code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(V2DriverTest, StatsFromUnifiedFiles) {
  Put("berth/c1/cpu.stat",
      "usage_usec 2000\nuser_usec 1500\nsystem_usec 500\nnr_periods 7\nnr_throttled 3\n"
      "throttled_usec 40\n");
  Put("berth/c1/memory.current", "1048576\n");
  Put("berth/c1/memory.max", "max\n");
  Put("berth/c1/memory.stat", "anon 4096\ninactive_file 2048\n");
  Put("berth/c1/memory.events", "low 0\nhigh 0\nmax 5\noom 1\noom_kill 1\n");
  Put("berth/c1/pids.current", "4\n");
  Put("berth/c1/pids.max", "20\n");
  Put("berth/c1/io.stat", "8:0 rbytes=100 wbytes=200 rios=1 wios=2 dbytes=0 dios=0\n");
  auto manager = NewCgroupManager(V2Layout(), "berth", "c1");
  auto s = manager->ReadStats();
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->cpu_total_ns, 2000000u);
  EXPECT_EQ(s->cpu_system_ns, 500000u);
  EXPECT_EQ(s->throttled_ns, 40000u);
  EXPECT_EQ(s->memory_usage, 1048576u);
  EXPECT_EQ(s->memory_limit, 0u);
  EXPECT_EQ(s->memory_stat.at("inactive_file"), 2048u);
  EXPECT_EQ(s->oom_kills, 1u);
  EXPECT_EQ(s->pids_limit, 20u);
  ASSERT_EQ(s->io_service_bytes.size(), 2u);
  EXPECT_EQ(s->io_serviced[1].value, 2u);
  EXPECT_EQ(NewCgroupManager(V2Layout(), "berth", "gone")->ReadStats().status().code(),
            absl::StatusCode::kNotFound);
}

// The freezer: a v1 freezer.state file takes the request and (in the fake
// tree, as in the kernel once every task stopped) reads it back.
TEST_F(V1DriverTest, FreezeAndThawWriteTheFreezerStateAndReadItBack) {
  Layout layout = V1Layout();
  layout.v1["freezer"] = root_ + "/freezer";
  Put("freezer/berth/c1/freezer.state", "THAWED\n");
  auto manager = NewCgroupManager(layout, "berth", "c1");
  EXPECT_THAT(manager->paths(), ::testing::Contains(root_ + "/freezer/berth/c1"));
  ASSERT_TRUE(manager->Freeze().ok());
  EXPECT_EQ(Get("freezer/berth/c1/freezer.state"), "FROZEN");
  EXPECT_EQ(manager->Frozen().value_or(false), true);
  ASSERT_TRUE(manager->Thaw().ok());
  EXPECT_EQ(Get("freezer/berth/c1/freezer.state"), "THAWED");
  EXPECT_EQ(manager->Frozen().value_or(true), false);
}

TEST_F(V1DriverTest, FreezingCountsAsNotFrozenAndNoFreezerIsNamed) {
  Layout layout = V1Layout();
  layout.v1["freezer"] = root_ + "/freezer";
  Put("freezer/berth/c1/freezer.state", "FREEZING\n");
  EXPECT_EQ(NewCgroupManager(layout, "berth", "c1")->Frozen().value_or(true), false);
  absl::Status no_freezer = NewCgroupManager(V1Layout(), "berth", "c1")->Freeze();
  EXPECT_EQ(no_freezer.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(no_freezer.message()), ::testing::HasSubstr("freezer"));
}

TEST_F(V1DriverTest, PidsComeFromCgroupProcs) {
  Put("pids/berth/c1/cgroup.procs", "42\n43\n\n100\n");
  auto pids = NewCgroupManager(V1Layout(), "berth", "c1")->Pids();
  ASSERT_TRUE(pids.ok()) << pids.status();
  EXPECT_THAT(*pids, ElementsAre(42, 43, 100));
  EXPECT_EQ(NewCgroupManager(V1Layout(), "berth", "gone")->Pids().status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(V2DriverTest, FreezeWritesCgroupFreezeAndWaitsForCgroupEvents) {
  Put("berth/c1/cgroup.freeze", "0\n");
  // The kernel's answer, as it would read once every task is frozen.
  Put("berth/c1/cgroup.events", "populated 1\nfrozen 1\n");
  auto manager = NewCgroupManager(V2Layout(), "berth", "c1");
  ASSERT_TRUE(manager->Freeze().ok());
  EXPECT_EQ(Get("berth/c1/cgroup.freeze"), "1");
  EXPECT_EQ(manager->Frozen().value_or(false), true);
  // Thaw waits for "frozen 0": the fake kernel never answers, so it times
  // out with a clear error instead of claiming success.
  absl::Status thaw = manager->Thaw();
  EXPECT_EQ(thaw.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(Get("berth/c1/cgroup.freeze"), "0");
  Put("berth/c1/cgroup.events", "populated 1\nfrozen 0\n");
  EXPECT_TRUE(manager->Thaw().ok());
  EXPECT_EQ(manager->Frozen().value_or(true), false);
}

TEST_F(V2DriverTest, PidsAndFreezerNeedTheCgroup) {
  Put("berth/c1/cgroup.procs", "7\n8\n");
  EXPECT_THAT(NewCgroupManager(V2Layout(), "berth", "c1")->Pids().value_or(std::vector<pid_t>{}),
              ElementsAre(7, 8));
  auto gone = NewCgroupManager(V2Layout(), "berth", "gone");
  EXPECT_EQ(gone->Frozen().status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(gone->Freeze().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace berth::runtimed::cgroups
