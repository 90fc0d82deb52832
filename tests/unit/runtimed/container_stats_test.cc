#include "services/runtimed/container_stats.h"

#include "gtest/gtest.h"

namespace berth::runtimed {
namespace {

TEST(ContainerStatsTest, NetDevSkipsLoopbackAndReadsBothDirections) {
  const char kNetDev[] =
      "Inter-|   Receive                                                |  Transmit\n"
      " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs "
      "drop fifo colls carrier compressed\n"
      "    lo:     100       1    0    0    0     0          0         0      100       1    0 "
      "   0    0     0       0          0\n"
      "  eth0:    2000      20    1    2    0     0          0         0     3000      30    3 "
      "   4    0     0       0          0\n";
  auto nets = ParseNetDev(kNetDev);
  ASSERT_EQ(nets.size(), 1u);
  EXPECT_EQ(nets[0].interface(), "eth0");
  EXPECT_EQ(nets[0].rx_bytes(), 2000u);
  EXPECT_EQ(nets[0].rx_dropped(), 2u);
  EXPECT_EQ(nets[0].tx_bytes(), 3000u);
  EXPECT_EQ(nets[0].tx_packets(), 30u);
  EXPECT_EQ(nets[0].tx_dropped(), 4u);
}

TEST(ContainerStatsTest, SystemCpuSumsTheFirstSevenFields) {
  // steal (8th) and guest are left out, as dockerd does.
  EXPECT_EQ(SystemCpuNs("cpu  1 2 3 4 5 6 7 100 0 0\ncpu0 1 1 1 1 1 1 1\n", 100),
            28u * 10000000u);
  EXPECT_EQ(MemTotalBytes("MemTotal:        2048 kB\nMemFree: 1 kB\n"), 2048u * 1024u);
}

TEST(ContainerStatsTest, StoppedContainerReadsAsZeros) {
  v1::Container c;
  c.set_id("abc");
  c.set_name("x");
  auto s = ReadContainerStats(c);
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(s->running());
  EXPECT_EQ(s->name(), "x");
  EXPECT_EQ(s->memory_usage(), 0u);
}

}  // namespace
}  // namespace berth::runtimed
