#include <fstream>

#include "gtest/gtest.h"
#include "services/netd/ipam/address_pool.h"
#include "services/netd/ipam/ipv4.h"
#include "services/netd/ipam/lease_store.h"
#include "services/netd/ipam/subnet_chooser.h"
#include "test_util.h"

namespace berth::netd::ipam {
namespace {

Ipv4Subnet Subnet(const std::string& cidr) {
  auto subnet = ParseSubnet(cidr);
  EXPECT_TRUE(subnet.ok()) << subnet.status();
  return subnet.value_or(Ipv4Subnet{});
}

TEST(Ipv4Test, ParsesAndFormats) {
  auto ip = ParseIpv4("172.29.0.1");
  ASSERT_TRUE(ip.ok());
  EXPECT_EQ(*ip, 0xac1d0001u);
  EXPECT_EQ(FormatIpv4(*ip), "172.29.0.1");
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.+4", "a.b.c.d", "1..2.3"}) {
    EXPECT_TRUE(absl::IsInvalidArgument(ParseIpv4(bad).status())) << bad;
  }
}

TEST(Ipv4Test, ParsesSubnetsAndRejectsHostBits) {
  Ipv4Subnet subnet = Subnet("172.29.0.0/16");
  EXPECT_EQ(subnet.ToString(), "172.29.0.0/16");
  EXPECT_EQ(FormatIpv4(subnet.gateway()), "172.29.0.1");
  EXPECT_EQ(FormatIpv4(subnet.broadcast()), "172.29.255.255");
  EXPECT_TRUE(subnet.Contains(*ParseIpv4("172.29.3.4")));
  EXPECT_FALSE(subnet.Contains(*ParseIpv4("172.30.0.1")));

  auto host_bits = ParseSubnet("172.29.0.1/16");
  EXPECT_TRUE(absl::IsInvalidArgument(host_bits.status()));
  EXPECT_NE(host_bits.status().message().find("172.29.0.0/16"), std::string::npos);
  for (const char* bad : {"10.0.0.0", "10.0.0.0/31", "10.0.0.0/7", "10.0.0.0/x", "x/24"}) {
    EXPECT_TRUE(absl::IsInvalidArgument(ParseSubnet(bad).status())) << bad;
  }
}

TEST(Ipv4Test, MacIsDockerStyle) {
  EXPECT_EQ(MacForIpv4(*ParseIpv4("172.17.0.2")), "02:42:ac:11:00:02");
}

TEST(AddressPoolTest, SkipsNetworkAndGatewayAndAllocatesInOrder) {
  AddressPool pool(Subnet("10.1.2.0/24"));
  EXPECT_EQ(pool.capacity(), 253u);
  EXPECT_EQ(FormatIpv4(*pool.Allocate("a")), "10.1.2.2");
  EXPECT_EQ(FormatIpv4(*pool.Allocate("b")), "10.1.2.3");
  EXPECT_EQ(pool.leases().size(), 2u);
}

TEST(AddressPoolTest, DoesNotReuseAReleasedAddressAtOnce) {
  AddressPool pool(Subnet("10.1.2.0/24"));
  uint32_t a = *pool.Allocate("a");
  EXPECT_TRUE(pool.Release(a));
  EXPECT_FALSE(pool.Release(a));
  EXPECT_NE(*pool.Allocate("b"), a);
}

TEST(AddressPoolTest, ExhaustsAndWrapsAroundWithoutBroadcast) {
  AddressPool pool(Subnet("10.1.2.0/29"));  // .2 .. .6 usable
  std::vector<uint32_t> got;
  for (int i = 0; i < 5; ++i) {
    auto ip = pool.Allocate(absl::StrCat("c", i));
    ASSERT_TRUE(ip.ok()) << ip.status();
    got.push_back(*ip);
  }
  EXPECT_EQ(FormatIpv4(got.back()), "10.1.2.6");
  auto full = pool.Allocate("x");
  EXPECT_TRUE(absl::IsResourceExhausted(full.status())) << full.status();
  pool.Release(got[1]);                                    // 10.1.2.3
  EXPECT_EQ(FormatIpv4(*pool.Allocate("y")), "10.1.2.3");  // wrapped past .7 and .0/.1
}

TEST(AddressPoolTest, ReserveChecksOwnershipAndRange) {
  AddressPool pool(Subnet("10.1.2.0/24"));
  uint32_t ip = *ParseIpv4("10.1.2.9");
  NETD_EXPECT_OK(pool.Reserve(ip, "a"));
  NETD_EXPECT_OK(pool.Reserve(ip, "a"));
  EXPECT_TRUE(absl::IsAlreadyExists(pool.Reserve(ip, "b")));
  for (const char* bad : {"10.1.2.0", "10.1.2.1", "10.1.2.255", "10.1.3.5"}) {
    EXPECT_TRUE(absl::IsInvalidArgument(pool.Reserve(*ParseIpv4(bad), "a"))) << bad;
  }
}

TEST(LeaseStoreTest, RoundTripsLeasesAndCursor) {
  testing::TempDir dir;
  LeaseStore store(dir.path() + "/bridge.json");
  AddressPool pool(Subnet("10.1.2.0/24"));
  uint32_t a = *pool.Allocate("a");
  uint32_t b = *pool.Allocate("b");
  pool.Release(a);
  NETD_ASSERT_OK(store.Save(pool));

  auto loaded = store.Load(Subnet("10.1.2.0/24"));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->leases(), (std::map<uint32_t, std::string>{{b, "b"}}));
  EXPECT_EQ(loaded->next(), pool.next());
  // The cursor survives, so the released address is still not reused first.
  EXPECT_NE(*loaded->Allocate("c"), a);
}

TEST(LeaseStoreTest, MissingFileIsEmptyAndSubnetChangeNeedsNoLeases) {
  testing::TempDir dir;
  LeaseStore store(dir.path() + "/bridge.json");
  auto empty = store.Load(Subnet("10.1.2.0/24"));
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->leases().empty());

  NETD_ASSERT_OK(store.Save(*empty));
  EXPECT_TRUE(store.Load(Subnet("10.9.0.0/16")).ok());  // idle: the new subnet wins

  AddressPool busy(Subnet("10.1.2.0/24"));
  ASSERT_TRUE(busy.Allocate("a").ok());
  NETD_ASSERT_OK(store.Save(busy));
  auto changed = store.Load(Subnet("10.9.0.0/16"));
  EXPECT_TRUE(absl::IsFailedPrecondition(changed.status())) << changed.status();
}

TEST(LeaseStoreTest, CorruptFileIsDataLoss) {
  testing::TempDir dir;
  std::string path = dir.path() + "/bridge.json";
  std::ofstream(path) << "{not json";
  EXPECT_TRUE(absl::IsDataLoss(LeaseStore(path).Load(Subnet("10.1.2.0/24")).status()));
  std::ofstream(path, std::ios::trunc)
      << R"({"version":1,"subnet":"10.1.2.0/24","leases":{"10.1.2.1":"a"}})";
  EXPECT_FALSE(LeaseStore(path).Load(Subnet("10.1.2.0/24")).ok());  // gateway is not leasable
}

}  // namespace
}  // namespace berth::netd::ipam

namespace berth::netd::ipam {
namespace {

Ipv4Subnet Net(const std::string& cidr) { return ParseSubnet(cidr).value(); }

TEST(AddressPoolRangeTest, AllocatesOnlyInTheRangeAndSkipsACustomGateway) {
  AddressPool pool(Net("10.20.0.0/24"), *ParseIpv4("10.20.0.17"), Net("10.20.0.16/30"));
  EXPECT_EQ(pool.capacity(), 3u);  // .16 .18 .19
  EXPECT_EQ(FormatIpv4(*pool.Allocate("a")), "10.20.0.16");
  EXPECT_EQ(FormatIpv4(*pool.Allocate("b")), "10.20.0.18");
  // A static address outside the range does not use up the range.
  EXPECT_TRUE(pool.Reserve(*ParseIpv4("10.20.0.100"), "s").ok());
  EXPECT_EQ(FormatIpv4(*pool.Allocate("c")), "10.20.0.19");
  EXPECT_TRUE(absl::IsResourceExhausted(pool.Allocate("d").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(pool.Reserve(*ParseIpv4("10.20.0.17"), "gw")));
  EXPECT_TRUE(absl::IsInvalidArgument(pool.Reserve(*ParseIpv4("10.20.0.255"), "b")));
}

TEST(AddressPoolRangeTest, LeaseStoreKeepsRangeLeasesAcrossALoad) {
  testing::TempDir dir;
  LeaseStore store(dir.path() + "/n.json");
  AddressPool pool(Net("10.20.0.0/24"), *ParseIpv4("10.20.0.1"), Net("10.20.0.64/26"));
  ASSERT_TRUE(pool.Allocate("a").ok());
  NETD_ASSERT_OK(store.Save(pool));
  auto loaded = store.Load(AddressPool(Net("10.20.0.0/24"), *ParseIpv4("10.20.0.1"),
                                       Net("10.20.0.64/26")));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->leases().size(), 1u);
  EXPECT_EQ(FormatIpv4(*loaded->Allocate("b")), "10.20.0.65");
  NETD_ASSERT_OK(store.Delete());
  NETD_ASSERT_OK(store.Delete());
}

TEST(SubnetChooserTest, OverlapsBothWays) {
  EXPECT_TRUE(Overlaps(Net("10.0.0.0/8"), Net("10.1.2.0/24")));
  EXPECT_TRUE(Overlaps(Net("10.1.2.0/24"), Net("10.0.0.0/8")));
  EXPECT_FALSE(Overlaps(Net("10.1.2.0/24"), Net("10.1.3.0/24")));
}

TEST(SubnetChooserTest, PicksTheFirstFreeDefaultAndIgnoresTheDefaultRoute) {
  auto candidates = DefaultCandidates();
  EXPECT_EQ(candidates.front().ToString(), "172.17.0.0/16");
  EXPECT_EQ(candidates.back().ToString(), "192.168.240.0/20");
  auto chosen = ChooseSubnet(candidates, {Ipv4Subnet{0, 0}, Net("172.17.0.0/16"),
                                          Net("172.18.3.0/24"), Net("172.16.0.0/12")});
  // 172.16.0.0/12 covers every 172.x candidate.
  ASSERT_TRUE(chosen.ok()) << chosen.status();
  EXPECT_EQ(chosen->ToString(), "192.168.0.0/20");
  EXPECT_TRUE(absl::IsResourceExhausted(
      ChooseSubnet(candidates, {Net("172.16.0.0/12"), Net("192.168.0.0/16")}).status()));
}

}  // namespace
}  // namespace berth::netd::ipam
