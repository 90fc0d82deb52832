#include "cli/resource_flags.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace berth::cli {
namespace {

TEST(ResourceFlagsTest, CpusAreNanoCpus) {
  EXPECT_EQ(*ParseNanoCpus("0.5"), 500000000);
  EXPECT_EQ(*ParseNanoCpus("2"), 2000000000);
  EXPECT_EQ(*ParseNanoCpus("0.01"), 10000000);
  EXPECT_FALSE(ParseNanoCpus("half").ok());
  EXPECT_FALSE(ParseNanoCpus("-1").ok());
}

TEST(ResourceFlagsTest, FlagsMapToResourcesWithDockersErrors) {
  ResourceFlags f;
  f.memory = "32m";
  f.memory_swap = "-1";
  f.cpus = "0.5";
  f.pids_limit = 20;
  f.shm_size = "128m";
  f.oom_kill_disable = true;
  auto r = BuildResourcesSpec(f);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->memory, 32 << 20);
  EXPECT_EQ(r->memory_swap, -1);
  EXPECT_EQ(r->nano_cpus, 500000000);
  EXPECT_EQ(r->pids_limit, 20);
  EXPECT_EQ(r->shm_size, 128 << 20);
  EXPECT_TRUE(r->oom_kill_disable);

  f.pids_limit = 0;
  EXPECT_EQ(BuildResourcesSpec(f)->pids_limit, -1);
  f.pids_limit.reset();
  EXPECT_EQ(BuildResourcesSpec(f)->pids_limit, 0);

  f.memory = "lots";
  EXPECT_EQ(BuildResourcesSpec(f).status().message(),
            "invalid argument \"lots\" for \"-m, --memory\" flag: invalid size: 'lots'");
  f.memory.clear();
  f.cpus = "x";
  EXPECT_EQ(BuildResourcesSpec(f).status().message(),
            "invalid argument \"x\" for \"--cpus\" flag: failed to parse x as a rational number");
  f.cpus.clear();
  f.kernel_memory = "64m";
  EXPECT_THAT(std::string(BuildResourcesSpec(f).status().message()),
              ::testing::HasSubstr("--kernel-memory is not supported"));
}

}  // namespace
}  // namespace berth::cli
