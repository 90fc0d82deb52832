// User-defined bridge networks on the recording fakes: create (explicit and
// automatic subnets, options), list/inspect, remove, per-network IPAM,
// isolation rules, connect/disconnect and recovery.
#include <prometheus/gauge.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "manager_test_fixture.h"

namespace berth::netd {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

class UserNetworksTest : public NetworkManagerTest {
 protected:
  NetworkInfo Create(const std::string& name, const std::string& bridge,
                     const std::string& subnet = "") {
    PrepareSysctls(bridge);
    CreateNetworkParams params;
    params.name = name;
    params.subnet = subnet;
    params.options["com.docker.network.bridge.name"] = bridge;
    auto info = manager_->CreateNetwork(params);
    EXPECT_TRUE(info.ok()) << info.status();
    return info.value_or(NetworkInfo{});
  }

  AttachParams On(const std::string& id, const std::string& network) {
    AttachParams params = Bridge(id);
    params.container_name = "name-" + id;
    params.network_mode = network;
    return params;
  }
};

TEST_F(UserNetworksTest, CreateMakesBridgeRecordAndRules) {
  NetworkInfo info = Create("front", "bu1", "10.20.0.0/24");
  EXPECT_EQ(info.id.size(), 64u);
  EXPECT_EQ(info.gateway, "10.20.0.1");
  EXPECT_FALSE(info.created.empty());
  auto bridge = netlink_.GetLink("bu1");
  ASSERT_TRUE(bridge.ok());
  EXPECT_TRUE(bridge->up);
  EXPECT_THAT(*netlink_.ListAddresses("bu1"), ElementsAre(netlink::Ipv4Prefix{"10.20.0.1", 24}));
  EXPECT_TRUE(std::filesystem::exists(config_.state_dir + "/networks/" + info.id + ".json"));
  EXPECT_THAT(Table(), HasSubstr("ip saddr 10.20.0.0/24 oifname != \"bu1\" masquerade"));
  EXPECT_THAT(Table(), HasSubstr("oifname \"bu1\" drop"));
  EXPECT_EQ(ReadFile(config_.proc_sys_dir + "/net/ipv4/conf/bu1/route_localnet"), "1");

  auto by_prefix = manager_->InspectNetwork(info.id.substr(0, 6));
  ASSERT_TRUE(by_prefix.ok()) << by_prefix.status();
  EXPECT_EQ(by_prefix->name, "front");
  EXPECT_EQ(metrics_.networks.Value(), 2);
  auto names = manager_->ListNetworks();
  ASSERT_EQ(names.size(), 4u);
  EXPECT_EQ(names[3].name, "front");
}

TEST_F(UserNetworksTest, BadRequestsAreRefusedAndLeaveNothing) {
  Create("front", "bu1", "10.20.0.0/24");
  CreateNetworkParams params;
  params.name = "front";
  EXPECT_TRUE(absl::IsAlreadyExists(manager_->CreateNetwork(params).status()));
  params.name = "bridge";
  EXPECT_TRUE(absl::IsPermissionDenied(manager_->CreateNetwork(params).status()));
  params.name = "-bad";
  EXPECT_TRUE(absl::IsInvalidArgument(manager_->CreateNetwork(params).status()));
  params.name = "other";
  params.subnet = "10.20.0.128/25";  // overlaps front
  EXPECT_TRUE(absl::IsAlreadyExists(manager_->CreateNetwork(params).status()));
  params.subnet = "10.30.0.0/24";
  params.gateway = "10.31.0.1";
  EXPECT_TRUE(absl::IsInvalidArgument(manager_->CreateNetwork(params).status()));
  params.gateway = "";
  params.ip_range = "10.30.1.0/25";
  EXPECT_TRUE(absl::IsInvalidArgument(manager_->CreateNetwork(params).status()));
  params.ip_range = "";
  params.options["com.docker.network.bridge.enable_icc"] = "false";
  auto refused = manager_->CreateNetwork(params);
  EXPECT_TRUE(absl::IsInvalidArgument(refused.status()));
  EXPECT_THAT(refused.status().message(), HasSubstr("enable_icc"));
  params.options = {{"com.docker.network.driver.mtu", "9"}};
  EXPECT_TRUE(absl::IsInvalidArgument(manager_->CreateNetwork(params).status()));
  params.options = {};
  params.driver = "overlay";
  EXPECT_TRUE(absl::IsInvalidArgument(manager_->CreateNetwork(params).status()));
  EXPECT_EQ(manager_->ListNetworks().size(), 4u);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(config_.state_dir + "/networks"),
                          std::filesystem::directory_iterator()),
            1);
}

TEST_F(UserNetworksTest, AutomaticSubnetAvoidsHostRoutesAndOtherNetworks) {
  kernel_.extra_routes.push_back({"172.17.0.0", 16});  // docker0
  kernel_.extra_routes.push_back({"0.0.0.0", 0});      // a default route covers nothing
  kernel_.extra_routes.push_back({"172.18.5.0", 24});  // a LAN inside 172.18/16
  NetworkInfo first = Create("a", "bu1");
  EXPECT_EQ(first.subnet, "172.19.0.0/16");
  NetworkInfo second = Create("b", "bu2");
  EXPECT_EQ(second.subnet, "172.20.0.0/16");
}

TEST_F(UserNetworksTest, MtuAppliesToBridgeAndBothVethEnds) {
  PrepareSysctls("bu1");
  CreateNetworkParams params;
  params.name = "jumbo";
  params.subnet = "10.20.0.0/24";
  params.options = {{"com.docker.network.bridge.name", "bu1"},
                    {"com.docker.network.driver.mtu", "1400"}};
  ASSERT_TRUE(manager_->CreateNetwork(params).ok());
  PrepareSysctls(HostVethName("c1"));
  ASSERT_TRUE(manager_->Attach(On("c1", "jumbo")).ok());
  EXPECT_THAT(kernel_.CallsStartingWith("host SetMtu"),
              ElementsAre("host SetMtu bu1 1400", "host SetMtu " + HostVethName("c1") + " 1400"));
  EXPECT_THAT(kernel_.CallsStartingWith(NetnsPath("c1") + " SetMtu"),
              ElementsAre(NetnsPath("c1") + " SetMtu eth0 1400"));
}

TEST_F(UserNetworksTest, EachNetworkHasItsOwnPersistedPoolRangeAndStaticAddresses) {
  PrepareSysctls("bu1");
  CreateNetworkParams params;
  params.name = "ranged";
  params.subnet = "10.20.0.0/24";
  params.gateway = "10.20.0.254";
  params.ip_range = "10.20.0.16/28";
  params.options = {{"com.docker.network.bridge.name", "bu1"}};
  ASSERT_TRUE(manager_->CreateNetwork(params).ok());
  auto a = manager_->Attach(On("c1", "ranged"));
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->endpoint.primary().ip_address, "10.20.0.16");
  EXPECT_EQ(a->endpoint.primary().gateway, "10.20.0.254");
  EXPECT_EQ(a->endpoint.primary().network_name, "ranged");
  // The default bridge's pool is independent.
  EXPECT_EQ(manager_->Attach(Bridge("c2"))->endpoint.primary().ip_address, "10.9.0.2");
  // A static address outside the range but inside the subnet is allowed...
  AttachParams fixed = On("c3", "ranged");
  fixed.networks.push_back({"ranged", {"db"}, "10.20.0.100"});
  auto c = manager_->Attach(fixed);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->endpoint.primary().ip_address, "10.20.0.100");
  EXPECT_THAT(c->endpoint.primary().aliases, ElementsAre("db"));
  // ...once: a second container asking for it is refused and leaves nothing.
  AttachParams clash = On("c4", "ranged");
  clash.networks.push_back({"ranged", {}, "10.20.0.100"});
  EXPECT_TRUE(absl::IsAlreadyExists(manager_->Attach(clash).status()));
  EXPECT_EQ(kernel_.namespaces.count(NetnsPath("c4")), 0u);
  // After a restart the leases come back and nothing is handed out twice.
  StartManager();
  auto d = manager_->Attach(On("c5", "ranged"));
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->endpoint.primary().ip_address, "10.20.0.17");
}

TEST_F(UserNetworksTest, NetworksAreIsolatedAndInternalOnesHaveNoWayOut) {
  Create("front", "bu1", "10.20.0.0/24");
  PrepareSysctls("bu2");
  CreateNetworkParams params;
  params.name = "secret";
  params.subnet = "10.21.0.0/24";
  params.internal = true;
  params.options = {{"com.docker.network.bridge.name", "bu2"}};
  ASSERT_TRUE(manager_->CreateNetwork(params).ok());
  const std::string table = Table();
  // Anything into a bridge that is neither from the bridge itself, a reply
  // nor a DNAT is dropped: that is what keeps networks apart.
  for (const char* bridge : {"bt0", "bu1", "bu2"}) {
    EXPECT_THAT(table, HasSubstr(absl::StrCat("oifname \"", bridge, "\" drop")));
  }
  EXPECT_THAT(table, HasSubstr("iifname \"bu2\" oifname != \"bu2\" drop"));
  EXPECT_THAT(table, Not(HasSubstr("ip saddr 10.21.0.0/24 oifname != \"bu2\" masquerade")));
  auto c = manager_->Attach(On("c1", "secret"));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_FALSE(c->endpoint.primary().default_route);
  EXPECT_TRUE(kernel_.CallsStartingWith(NetnsPath("c1") + " AddDefaultRoute").empty());
}

TEST_F(UserNetworksTest, RemoveIsRefusedWhileInUseAndLeavesNothingAfter) {
  NetworkInfo info = Create("front", "bu1", "10.20.0.0/24");
  ASSERT_TRUE(manager_->Attach(On("c1", "front")).ok());
  auto inspected = manager_->InspectNetwork("front");
  ASSERT_EQ(inspected->containers.size(), 1u);
  EXPECT_EQ(inspected->containers[0].ipv4_address, "10.20.0.2/24");
  EXPECT_EQ(inspected->containers[0].container_name, "name-c1");
  absl::Status busy = manager_->RemoveNetwork("front");
  EXPECT_TRUE(absl::IsFailedPrecondition(busy)) << busy;
  EXPECT_THAT(busy.message(), HasSubstr("has active endpoints"));
  EXPECT_TRUE(absl::IsPermissionDenied(manager_->RemoveNetwork("bridge")));
  EXPECT_TRUE(absl::IsPermissionDenied(manager_->RemoveNetwork("none")));
  EXPECT_TRUE(absl::IsNotFound(manager_->RemoveNetwork("nope")));

  NETD_ASSERT_OK(manager_->Detach("c1"));
  NETD_ASSERT_OK(manager_->RemoveNetwork(info.id));
  EXPECT_TRUE(absl::IsNotFound(netlink_.GetLink("bu1").status()));
  EXPECT_THAT(Table(), Not(HasSubstr("bu1")));
  EXPECT_FALSE(std::filesystem::exists(config_.state_dir + "/networks/" + info.id + ".json"));
  EXPECT_FALSE(std::filesystem::exists(config_.state_dir + "/ipam/" + info.id + ".json"));
  EXPECT_TRUE(absl::IsNotFound(manager_->InspectNetwork("front").status()));
  StartManager();
  EXPECT_EQ(manager_->ListNetworks().size(), 3u);
  EXPECT_EQ(metrics_.networks.Value(), 1);
}

TEST_F(UserNetworksTest, RenameEndpointRenamesTheMemberAndPersists) {
  Create("front", "bu7", "10.27.0.0/24");
  ASSERT_TRUE(manager_->Attach(On("c1", "front")).ok());
  NETD_ASSERT_OK(manager_->RenameEndpoint("c1", "renamed"));
  EXPECT_EQ(manager_->InspectNetwork("front")->containers[0].container_name, "renamed");
  EXPECT_EQ(manager_->GetEndpoint("c1")->container_name, "renamed");
  StartManager();  // a netd restart reads the renamed record
  EXPECT_EQ(manager_->GetEndpoint("c1")->container_name, "renamed");
  EXPECT_TRUE(absl::IsNotFound(manager_->RenameEndpoint("c2", "x")));
}

TEST_F(UserNetworksTest, ConnectHotPlugsAnInterfaceAndDisconnectRemovesIt) {
  Create("front", "bu1", "10.20.0.0/24");
  ASSERT_TRUE(manager_->Attach(Bridge("c1")).ok());
  const std::string ns = NetnsPath("c1");
  const std::string veth = HostVethName("c1", 1);
  PrepareSysctls(veth);
  kernel_.calls.clear();
  auto connected = manager_->Connect({"c1", {"front", {"api"}, ""}});
  ASSERT_TRUE(connected.ok()) << connected.status();
  ASSERT_EQ(connected->interfaces.size(), 2u);
  const InterfaceRecord& eth1 = connected->interfaces[1];
  EXPECT_EQ(eth1.ifname, "eth1");
  EXPECT_EQ(eth1.ip_address, "10.20.0.2");
  EXPECT_FALSE(eth1.default_route);  // eth0 keeps it
  EXPECT_THAT(kernel_.calls,
              ElementsAre("host AddVethPair " + veth + " eth1 02:42:0a:14:00:02 " + ns,
                          "host SetMaster " + veth + " bu1", "host SetUp " + veth,
                          "host OpenInNetns " + ns, ns + " AddAddress eth1 10.20.0.2/24",
                          ns + " SetUp eth1", "netns OpenUdpSocket " + ns + " 127.0.0.11:53"));
  EXPECT_THAT(Table(), HasSubstr("iifname \"" + veth + "\" ether saddr 02:42:0a:14:00:02 ip saddr "
                                 "10.20.0.2 accept"));
  EXPECT_TRUE(absl::IsAlreadyExists(manager_->Connect({"c1", {"front", {}, ""}}).status()));
  EXPECT_TRUE(absl::IsNotFound(manager_->Connect({"nobody", {"front", {}, ""}}).status()));
  EXPECT_TRUE(absl::IsNotFound(manager_->Connect({"c1", {"nonet", {}, ""}}).status()));

  // The connection survives a restart.
  StartManager();
  EXPECT_EQ(manager_->InspectNetwork("front")->containers.size(), 1u);

  auto disconnected = manager_->Disconnect("c1", "front");
  ASSERT_TRUE(disconnected.ok()) << disconnected.status();
  EXPECT_EQ(disconnected->interfaces.size(), 1u);
  EXPECT_TRUE(absl::IsNotFound(netlink_.GetLink(veth).status()));
  EXPECT_EQ(kernel_.namespaces[ns].links.count("eth1"), 0u);
  EXPECT_THAT(Table(), Not(HasSubstr(veth)));
  EXPECT_TRUE(manager_->InspectNetwork("front")->containers.empty());
  EXPECT_TRUE(absl::IsNotFound(manager_->Disconnect("c1", "front").status()));
  // The address went back to the pool (handed out again once the cursor wraps).
  NETD_ASSERT_OK(manager_->RemoveNetwork("front"));
}

TEST_F(UserNetworksTest, AFailedConnectUndoesExactlyItsInterface) {
  NetworkInfo front = Create("front", "bu1", "10.20.0.0/24");
  ASSERT_TRUE(manager_->Attach(Bridge("c1")).ok());
  PrepareSysctls(HostVethName("c1", 1));
  kernel_.FailNext("SetMaster", absl::InternalError("boom"));
  EXPECT_FALSE(manager_->Connect({"c1", {"front", {}, ""}}).ok());
  EXPECT_TRUE(absl::IsNotFound(netlink_.GetLink(HostVethName("c1", 1)).status()));
  EXPECT_TRUE(netlink_.GetLink(HostVethName("c1")).ok());
  EXPECT_TRUE(manager_->InspectNetwork("front")->containers.empty());
  // The lease went back (persisted); the cursor moves on, as always.
  EXPECT_EQ(ReadFile(config_.state_dir + "/ipam/" + front.id + ".json").find("10.20.0.2\""),
            std::string::npos);
  auto again = manager_->Connect({"c1", {"front", {}, ""}});
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->interfaces[1].ip_address, "10.20.0.3");
}

TEST_F(UserNetworksTest, RecoverDropsAnInterfaceWhoseVethNeverCameUp) {
  Create("front", "bu1", "10.20.0.0/24");
  ASSERT_TRUE(manager_->Attach(Bridge("c1")).ok());
  PrepareSysctls(HostVethName("c1", 1));
  ASSERT_TRUE(manager_->Connect({"c1", {"front", {}, ""}}).ok());
  // A crash between writing the record and creating the veth looks like this.
  NETD_ASSERT_OK(netlink_.DeleteLink(HostVethName("c1", 1)));
  StartManager();
  EXPECT_TRUE(manager_->InspectNetwork("front")->containers.empty());
  auto records = EndpointStore(config_.state_dir + "/endpoints").LoadAll();
  ASSERT_TRUE(records.ok());
  EXPECT_EQ((*records)[0].interfaces.size(), 1u);
}

TEST_F(UserNetworksTest, AttachJoinsEveryRequestedNetwork) {
  Create("front", "bu1", "10.20.0.0/24");
  Create("back", "bu2", "10.21.0.0/24");
  AttachParams params = On("c1", "front");
  params.aliases = {"web"};
  params.networks.push_back({"back", {"web-back"}, ""});
  PrepareSysctls(HostVethName("c1", 1));
  auto result = manager_->Attach(params);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->endpoint.interfaces.size(), 2u);
  EXPECT_EQ(result->endpoint.interfaces[0].network_name, "front");
  EXPECT_THAT(result->endpoint.interfaces[0].aliases, ElementsAre("web"));
  EXPECT_EQ(result->endpoint.interfaces[1].network_name, "back");
  EXPECT_EQ(result->endpoint.interfaces[1].ifname, "eth1");
  EXPECT_THAT(result->endpoint.interfaces[1].aliases, ElementsAre("web-back"));
  NETD_ASSERT_OK(manager_->Detach("c1"));
  EXPECT_TRUE(absl::IsNotFound(netlink_.GetLink(HostVethName("c1", 1)).status()));
  NETD_ASSERT_OK(manager_->RemoveNetwork("back"));
}

}  // namespace
}  // namespace berth::netd
