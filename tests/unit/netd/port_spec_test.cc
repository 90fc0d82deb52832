#include "services/netd/ports/port_spec.h"

#include "gtest/gtest.h"
#include "services/netd/ports/testing/fake_port_reserver.h"

namespace berth::netd::ports {
namespace {

TEST(PortSpecTest, NormalizesDefaults) {
  auto spec = Normalize("", "0.0.0.0", 8080, 80);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(*spec, (PortSpec{"tcp", "", 8080, 80}));
  EXPECT_EQ(Normalize("UDP", "127.0.0.1", 0, 53)->protocol, "udp");
  EXPECT_EQ(Normalize("tcp", "127.0.0.1", 0, 53)->host_ip, "127.0.0.1");
}

TEST(PortSpecTest, RejectsBadValues) {
  EXPECT_TRUE(absl::IsInvalidArgument(Normalize("sctp", "", 1, 1).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(Normalize("tcp", "", 1, 0).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(Normalize("tcp", "", 1, 70000).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(Normalize("tcp", "", 70000, 1).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(Normalize("tcp", "localhost", 1, 1).status()));
  EXPECT_TRUE(absl::IsUnimplemented(Normalize("tcp", "::", 1, 1).status()));
}

TEST(PortSpecTest, ConflictRules) {
  PortSpec any{"tcp", "", 8080, 80};
  PortSpec loopback{"tcp", "127.0.0.1", 8080, 81};
  PortSpec other_ip{"tcp", "10.0.0.1", 8080, 81};
  EXPECT_TRUE(Conflicts(any, loopback));
  EXPECT_TRUE(Conflicts(loopback, any));
  EXPECT_FALSE(Conflicts(loopback, other_ip));
  EXPECT_FALSE(Conflicts(any, PortSpec{"udp", "", 8080, 80}));
  EXPECT_FALSE(Conflicts(any, PortSpec{"tcp", "", 8081, 80}));
}

TEST(PortSpecTest, CheckConflictsUsesDockersWords) {
  std::vector<PortSpec> published = {{"tcp", "", 8080, 80}};
  absl::Status status = CheckConflicts({{"tcp", "127.0.0.1", 8080, 80}}, published);
  EXPECT_TRUE(absl::IsAlreadyExists(status));
  EXPECT_EQ(status.message(), "Bind for 127.0.0.1:8080 failed: port is already allocated");
  status = CheckConflicts({{"tcp", "", 9090, 80}, {"tcp", "", 9090, 81}}, {});
  EXPECT_EQ(status.message(), "Bind for 0.0.0.0:9090 failed: port is already allocated");
  EXPECT_TRUE(CheckConflicts({{"tcp", "", 0, 80}, {"tcp", "", 0, 81}}, published).ok());
}

TEST(FakePortReserverTest, HoldsPortsUntilReleased) {
  testing::FakePortReserver reserver;
  auto first = reserver.Reserve({"tcp", "", 0, 80});
  ASSERT_TRUE(first.ok());
  auto second = reserver.Reserve({"tcp", "", 0, 80});
  ASSERT_TRUE(second.ok());
  EXPECT_NE((*first)->port(), (*second)->port());
  auto clash = reserver.Reserve({"tcp", "127.0.0.1", (*first)->port(), 80});
  EXPECT_TRUE(absl::IsAlreadyExists(clash.status()));
  first->reset();
  EXPECT_EQ(reserver.held_count(), 1u);
}

TEST(SocketPortReserverTest, PicksAFreeLoopbackPortAndDetectsItInUse) {
  SocketPortReserver reserver;
  auto held = reserver.Reserve({"tcp", "127.0.0.1", 0, 80});
  ASSERT_TRUE(held.ok()) << held.status();
  EXPECT_NE((*held)->port(), 0);
  auto again = reserver.Reserve({"tcp", "127.0.0.1", (*held)->port(), 80});
  EXPECT_TRUE(absl::IsAlreadyExists(again.status())) << again.status();
  EXPECT_EQ(again.status().message(), absl::StrCat("Bind for 127.0.0.1:", (*held)->port(),
                                                   " failed: port is already allocated"));
}

}  // namespace
}  // namespace berth::netd::ports
