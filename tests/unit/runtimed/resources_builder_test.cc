#include "services/runtimed/spec/resources_builder.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace berth::runtimed::spec {
namespace {

using ::testing::HasSubstr;

HostResources TwoCpuV1Host() {
  HostResources host;
  host.cpus = 2;
  host.cpus_online = "0-1";
  host.mems_online = "0";
  host.features = cgroups::Features{.memory = true,
                                    .swap = true,
                                    .cpu_shares = true,
                                    .cpu_cfs = true,
                                    .cpuset = true,
                                    .pids = true,
                                    .blkio_weight = false,
                                    .oom_kill_disable = true,
                                    .devices = true};
  return host;
}

std::string ErrorOf(const v1::Resources& r, bool update = false) {
  auto built = BuildResources(r, TwoCpuV1Host(), update);
  if (built.ok()) return "ok";
  EXPECT_EQ(built.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(built.status().message());
}

TEST(ResourcesBuilderTest, MemoryRulesUseDockersTexts) {
  v1::Resources r;
  r.set_memory(4 << 20);
  EXPECT_EQ(ErrorOf(r), "Minimum memory limit allowed is 6MB");
  r.set_memory(32 << 20);
  r.set_memory_swap(16 << 20);
  EXPECT_EQ(ErrorOf(r), "Minimum memoryswap limit should be larger than memory limit, see usage");
  r.set_memory(0);
  r.set_memory_swap(64 << 20);
  EXPECT_EQ(ErrorOf(r),
            "You should always set the Memory limit when using Memoryswap limit, see usage");
  EXPECT_EQ(ErrorOf(r, /*update=*/true), "ok");
  r.Clear();
  r.set_memory(32 << 20);
  r.set_memory_reservation(64 << 20);
  EXPECT_EQ(ErrorOf(r),
            "Minimum memory limit can not be less than memory reservation limit, see usage");
  r.set_memory_reservation(1 << 20);
  EXPECT_EQ(ErrorOf(r), "Minimum memory reservation allowed is 6MB");
  r.Clear();
  r.set_kernel_memory(64 << 20);
  EXPECT_THAT(ErrorOf(r), HasSubstr("Kernel memory limit is not supported"));
}

TEST(ResourcesBuilderTest, MemoryAloneGetsAsMuchSwapAsDockerGives) {
  v1::Resources r;
  r.set_memory(32 << 20);
  auto built = BuildResources(r, TwoCpuV1Host());
  ASSERT_TRUE(built.ok());
  EXPECT_EQ(built->limits.memory, 32 << 20);
  EXPECT_EQ(built->limits.memory_swap, 64 << 20);
  HostResources no_swap = TwoCpuV1Host();
  no_swap.features.swap = false;
  built = BuildResources(r, no_swap);
  ASSERT_TRUE(built.ok());
  EXPECT_EQ(built->limits.memory_swap, 0);
}

TEST(ResourcesBuilderTest, CpusBecomeQuotaOverTheDefaultPeriodWithinTheHostsCount) {
  v1::Resources r;
  r.set_nano_cpus(500000000);
  auto built = BuildResources(r, TwoCpuV1Host());
  ASSERT_TRUE(built.ok());
  EXPECT_EQ(built->limits.cpu_period, 100000);
  EXPECT_EQ(built->limits.cpu_quota, 50000);
  r.set_nano_cpus(3000000000);
  EXPECT_EQ(ErrorOf(r), "Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available");
  r.set_nano_cpus(1000000000);
  r.set_cpu_period(50000);
  EXPECT_EQ(ErrorOf(r), "Conflicting options: Nano CPUs and CPU Period cannot both be set");
  r.Clear();
  r.set_cpu_period(500);
  EXPECT_EQ(ErrorOf(r),
            "CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)");
  r.Clear();
  r.set_cpu_quota(10);
  EXPECT_EQ(ErrorOf(r), "CPU cfs quota can not be less than 1ms (i.e. 1000)");
}

TEST(ResourcesBuilderTest, CpusetMustBeOnline) {
  v1::Resources r;
  r.set_cpuset_cpus("0-1");
  EXPECT_EQ(ErrorOf(r), "ok");
  r.set_cpuset_cpus("3");
  EXPECT_EQ(ErrorOf(r), "Requested CPUs are not available - requested 3, available: 0-1");
  r.set_cpuset_cpus("a-b");
  EXPECT_THAT(ErrorOf(r), HasSubstr("Invalid value a-b for cpuset cpus"));
  r.Clear();
  r.set_cpuset_mems("1");
  EXPECT_EQ(ErrorOf(r),
            "Requested memory nodes are not available - requested 1, available: 0");
}

TEST(ResourcesBuilderTest, PidsBlkioShmAndDiscardedLimits) {
  v1::Resources r;
  r.set_pids_limit(-5);
  EXPECT_EQ(BuildResources(r, TwoCpuV1Host())->limits.pids_limit, -1);
  r.set_pids_limit(20);
  EXPECT_EQ(BuildResources(r, TwoCpuV1Host())->limits.pids_limit, 20);
  r.set_blkio_weight(5);
  EXPECT_EQ(ErrorOf(r), "Range of blkio weight is from 10 to 1000");
  r.set_blkio_weight(500);  // this host has no proportional scheduler: dropped, with a warning
  auto built = BuildResources(r, TwoCpuV1Host());
  ASSERT_TRUE(built.ok());
  EXPECT_EQ(built->limits.blkio_weight, 0u);
  EXPECT_THAT(built->warnings, ::testing::Contains(HasSubstr("Block I/O weight")));
  r.Clear();
  r.set_shm_size(-1);
  EXPECT_EQ(ErrorOf(r), "SHM size can not be less than 0");
  r.set_shm_size(1 << 20);
  EXPECT_EQ(BuildResources(r, TwoCpuV1Host())->shm_size, 1 << 20);
  EXPECT_EQ(BuildResources(v1::Resources(), TwoCpuV1Host())->shm_size, 64 << 20);
}

TEST(ResourcesBuilderTest, CpuListParsing) {
  EXPECT_EQ(*ParseCpuList("0-2,5"), (std::set<int>{0, 1, 2, 5}));
  EXPECT_FALSE(ParseCpuList("2-1").ok());
  EXPECT_FALSE(ParseCpuList("").ok());
  EXPECT_FALSE(ParseCpuList("0-100000").ok());
}

}  // namespace
}  // namespace berth::runtimed::spec
