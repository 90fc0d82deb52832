// Root tests of user-defined networks against the real kernel: bridges,
// veths, namespaces and nft rules, with names and subnets unique to the test
// process. Traffic goes only to the namespaces the test made.
#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "manager_fixture.h"
#include "netns_helpers.h"

namespace berth::netd {
namespace {

using testing::NetnsGreeter;
using testing::ReadFromNetns;
using testing::RunCommand;

constexpr char kHello[] = "hello from the netns\n";

class UserNetworksIntegrationTest : public testing::NetdManagerFixture {
 protected:
  UserNetworksIntegrationTest() : NetdManagerFixture({"bun", 150, "berth_u", "/tmp/netd-un-"}) {}

  void TearDown() override {
    NetdManagerFixture::TearDown();
    // Teardown keeps user networks' records but deletes their bridges; this
    // sweeps them by name in case a failed assertion skipped that.
    for (const std::string& bridge : bridges_) RunCommand("ip link del " + bridge);
  }

  // A network with a bridge and subnet named from the pid and `n`.
  NetworkInfo Create(const std::string& name, int n, bool internal = false) {
    const int pid = ::getpid();
    CreateNetworkParams params;
    params.name = name;
    params.internal = internal;
    params.subnet = absl::StrFormat("10.%d.%d.0/24", 100 + n, pid % 250);
    std::string bridge = absl::StrFormat("bun%d-%d", pid % 10000, n);
    bridges_.push_back(bridge);
    params.options["com.docker.network.bridge.name"] = bridge;
    auto info = manager_->CreateNetwork(params);
    EXPECT_TRUE(info.ok()) << info.status();
    return info.value_or(NetworkInfo{});
  }

  EndpointRecord Attach(const std::string& id, const std::string& network) {
    AttachParams params;
    params.container_id = id;
    params.container_name = id;
    params.network_mode = network;
    params.hostname = id;
    auto result = manager_->Attach(params);
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? result->endpoint : EndpointRecord{};
  }

  std::string Id(const std::string& name) { return absl::StrCat(name, "-", ::getpid()); }

  std::vector<std::string> bridges_;
};

TEST_F(UserNetworksIntegrationTest, NetworksAreIsolatedAndConnectJoinsThem) {
  Create("front", 1);
  Create("back", 2);
  EndpointRecord a1 = Attach(Id("a1"), "front");
  EndpointRecord a2 = Attach(Id("a2"), "front");
  EndpointRecord b1 = Attach(Id("b1"), "back");
  ASSERT_FALSE(b1.interfaces.empty());
  NetnsGreeter greeter;
  ASSERT_TRUE(greeter.Start(a1.netns_path, 8080).ok());

  // Same network: reachable. Other network: dropped.
  EXPECT_EQ(ReadFromNetns(a2.netns_path, a1.primary().ip_address, 8080), kHello);
  EXPECT_NE(ReadFromNetns(b1.netns_path, a1.primary().ip_address, 8080), kHello);

  // Connect hot-plugs eth1 on front into b1's namespace: now it reaches a1.
  auto connected = manager_->Connect({b1.container_id, {"front", {}, ""}});
  ASSERT_TRUE(connected.ok()) << connected.status();
  const InterfaceRecord& eth1 = connected->interfaces[1];
  std::string addr =
      RunCommand(absl::StrCat("nsenter --net=", b1.netns_path, " ip -o -4 addr show dev eth1"));
  EXPECT_NE(addr.find(eth1.ip_address + "/24"), std::string::npos) << addr;
  EXPECT_EQ(ReadFromNetns(b1.netns_path, a1.primary().ip_address, 8080), kHello);
  // Removing a network in use is refused.
  EXPECT_TRUE(absl::IsFailedPrecondition(manager_->RemoveNetwork("front")));

  // Disconnect takes the interface away again, and with it the path.
  ASSERT_TRUE(manager_->Disconnect(b1.container_id, "front").ok());
  addr = RunCommand(absl::StrCat("nsenter --net=", b1.netns_path, " ip -o link show dev eth1"));
  EXPECT_NE(addr.find("does not exist"), std::string::npos) << addr;
  EXPECT_TRUE(absl::IsNotFound(netlink_->GetLink(eth1.host_veth).status()));
  EXPECT_NE(ReadFromNetns(b1.netns_path, a1.primary().ip_address, 8080), kHello);

  // Everything removed: no bridge, no veth, no rule naming them.
  for (const EndpointRecord& ep : {a1, a2, b1}) {
    ASSERT_TRUE(manager_->Detach(ep.container_id).ok());
  }
  ASSERT_TRUE(manager_->RemoveNetwork("front").ok());
  ASSERT_TRUE(manager_->RemoveNetwork("back").ok());
  for (const std::string& bridge : bridges_) {
    EXPECT_TRUE(absl::IsNotFound(netlink_->GetLink(bridge).status())) << bridge;
    std::string table = RunCommand("nft list table ip " + config_.nft_table);
    EXPECT_EQ(table.find(bridge), std::string::npos) << table;
  }
  for (const EndpointRecord& ep : {a1, a2, b1}) {
    EXPECT_FALSE(std::filesystem::exists(ep.netns_path));
  }
}

TEST_F(UserNetworksIntegrationTest, RestartBringsBackBridgesAndKeepsLeases) {
  NetworkInfo front = Create("front", 3);
  EndpointRecord a1 = Attach(Id("a1"), "front");
  // A crash-like loss of the bridge: Recover makes it again, with the gateway.
  RunCommand("ip link del " + front.bridge);
  StartManager();
  std::string addr = RunCommand("ip -o -4 addr show dev " + front.bridge);
  EXPECT_NE(addr.find(front.gateway + "/24"), std::string::npos) << addr;
  EndpointRecord a2 = Attach(Id("a2"), "front");
  EXPECT_NE(a2.primary().ip_address, a1.primary().ip_address);
  // a1's veth lost its bridge with it; Recover enslaved it again.
  auto info = manager_->InspectNetwork("front");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->containers.size(), 2u);
  {
    NetnsGreeter greeter;
    ASSERT_TRUE(greeter.Start(a1.netns_path, 8080).ok());
    EXPECT_EQ(ReadFromNetns(a2.netns_path, a1.primary().ip_address, 8080), kHello);
  }
  ASSERT_TRUE(manager_->Detach(a1.container_id).ok());
  ASSERT_TRUE(manager_->Detach(a2.container_id).ok());
  ASSERT_TRUE(manager_->RemoveNetwork("front").ok());
}

TEST_F(UserNetworksIntegrationTest, AutomaticSubnetAvoidsEveryHostRoute) {
  CreateNetworkParams params;
  params.name = "auto";
  std::string bridge = absl::StrFormat("bun%d-a", ::getpid() % 10000);
  bridges_.push_back(bridge);
  params.options["com.docker.network.bridge.name"] = bridge;
  auto info = manager_->CreateNetwork(params);
  ASSERT_TRUE(info.ok()) << info.status();
  std::string routes = RunCommand("ip -4 route show table main");
  // The only route in that subnet is the one of our own bridge.
  std::string network = info->subnet.substr(0, info->subnet.find('/'));
  size_t first = routes.find(network);
  ASSERT_NE(first, std::string::npos) << routes;
  EXPECT_NE(routes.find("dev " + bridge, first), std::string::npos) << routes;
  EXPECT_EQ(routes.find(network, first + 1), std::string::npos) << routes;
  ASSERT_TRUE(manager_->RemoveNetwork("auto").ok());
}

}  // namespace
}  // namespace berth::netd
