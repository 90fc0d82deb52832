#include "services/runtimed/shim/cgroups.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace berth::runtimed::shim {
namespace {

TEST(CgroupsTest, FindsV1HierarchiesFromMountinfo) {
  const char kMountinfo[] =
      "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
      "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
      "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
      "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime shared:9 - cgroup cgroup rw,memory\n"
      "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
      "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
  EXPECT_THAT(FindV1Hierarchies(kMountinfo, {"pids", "memory", "cpu"}),
              ::testing::ElementsAre("/sys/fs/cgroup/cpu", "/sys/fs/cgroup/memory",
                                     "/sys/fs/cgroup/pids"));
  EXPECT_TRUE(FindV1Hierarchies(kMountinfo, {"freezer"}).empty());
}

}  // namespace
}  // namespace berth::runtimed::shim

namespace berth::runtimed::shim {
namespace {

TEST(CgroupsTest, OomKillCountFromOomControl) {
  EXPECT_FALSE(OomKillReported("oom_kill_disable 0\nunder_oom 0\noom_kill 0\n"));
  EXPECT_TRUE(OomKillReported("oom_kill_disable 0\nunder_oom 0\noom_kill 2\n"));
  EXPECT_FALSE(OomKillReported(""));
}

}  // namespace
}  // namespace berth::runtimed::shim
