// NetworkManager against recording fakes of netlink, namespaces, nftables and
// port reservations: the plan netd executes, its undo paths and its restart.
#include "services/netd/network_manager.h"

#include <prometheus/registry.h>

#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/netd/firewall/testing/fake_nft_applier.h"
#include "services/netd/netlink/testing/fake_netlink.h"
#include "services/netd/netns/testing/fake_netns_ops.h"
#include "services/netd/ports/testing/fake_port_reserver.h"
#include "manager_test_fixture.h"
#include "test_util.h"

namespace berth::netd {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;


TEST_F(NetworkManagerTest, RecoverSetsUpBridgeSysctlsDirAndTable) {
  auto bridge = netlink_.GetLink("bt0");
  ASSERT_TRUE(bridge.ok());
  EXPECT_EQ(bridge->kind, "bridge");
  EXPECT_TRUE(bridge->up);
  EXPECT_THAT(*netlink_.ListAddresses("bt0"), ElementsAre(netlink::Ipv4Prefix{"10.9.0.1", 24}));
  EXPECT_EQ(ReadFile(config_.proc_sys_dir + "/net/ipv4/ip_forward"), "1");
  EXPECT_EQ(ReadFile(config_.proc_sys_dir + "/net/ipv4/conf/bt0/route_localnet"), "1");
  EXPECT_TRUE(netns_.prepared_dirs.count(config_.run_dir + "/netd/netns"));
  EXPECT_THAT(Table(), HasSubstr("ip saddr 10.9.0.0/24 oifname != \"bt0\" masquerade"));
  // route_localnet comes with the guard that keeps containers off 127.0.0.1.
  EXPECT_THAT(Table(), HasSubstr("iifname \"bt0\" ip daddr 127.0.0.0/8 drop\n"));
  EXPECT_THAT(Table(), HasSubstr("oifname \"bt0\" drop\n"));

  // A second start finds everything in place and adds nothing twice.
  kernel_.calls.clear();
  StartManager();
  EXPECT_TRUE(kernel_.CallsStartingWith("host AddBridge").empty());
  EXPECT_TRUE(kernel_.CallsStartingWith("host AddAddress").empty());
}

TEST_F(NetworkManagerTest, RecoverRefusesANonBridgeLinkWithTheBridgeName) {
  config_.bridge = "lo";
  auto manager =
      NetworkManager::Create(config_, NetdDeps{netlink_, netns_, nft_, ports_, metrics_});
  ASSERT_TRUE(manager.ok());
  EXPECT_TRUE(absl::IsFailedPrecondition((*manager)->Recover()));
}

TEST_F(NetworkManagerTest, CreateValidatesConfig) {
  NetdConfig bad = config_;
  bad.bridge = "a-name-longer-than-15";
  EXPECT_TRUE(absl::IsInvalidArgument(
      NetworkManager::Create(bad, NetdDeps{netlink_, netns_, nft_, ports_, metrics_}).status()));
  bad = config_;
  bad.nft_table = "bad table";
  EXPECT_TRUE(absl::IsInvalidArgument(
      NetworkManager::Create(bad, NetdDeps{netlink_, netns_, nft_, ports_, metrics_}).status()));
  bad = config_;
  bad.subnet = "10.9.0.1/24";
  EXPECT_TRUE(absl::IsInvalidArgument(
      NetworkManager::Create(bad, NetdDeps{netlink_, netns_, nft_, ports_, metrics_}).status()));
}

TEST_F(NetworkManagerTest, AttachBridgePlumbsVethAddressRouteAndRules) {
  AttachParams params = Bridge(kId);
  params.ports.push_back({"", "", 8080, 80});
  params.ports.push_back({"udp", "127.0.0.1", 0, 53});
  kernel_.calls.clear();
  auto result = manager_->Attach(params);
  ASSERT_TRUE(result.ok()) << result.status();
  const EndpointRecord& ep = result->endpoint;
  const std::string ns = NetnsPath(kId);

  EXPECT_EQ(ep.mode, "bridge");
  EXPECT_EQ(ep.netns_path, ns);
  EXPECT_EQ(ep.primary().ip_address, "10.9.0.2");
  EXPECT_EQ(ep.primary().prefix_len, 24);
  EXPECT_EQ(ep.primary().gateway, "10.9.0.1");
  EXPECT_EQ(ep.primary().mac_address, "02:42:0a:09:00:02");
  EXPECT_EQ(ep.primary().host_veth, "vb0123456789");
  EXPECT_EQ(ep.primary().endpoint_id.size(), 64u);
  EXPECT_EQ(ep.primary().network_id.size(), 64u);
  ASSERT_EQ(ep.ports.size(), 2u);
  EXPECT_EQ(ep.ports[0], (ports::PortSpec{"tcp", "", 8080, 80}));
  EXPECT_EQ(ep.ports[1].host_port, 40000);  // the fake's first ephemeral port

  EXPECT_THAT(
      kernel_.calls,
      ElementsAre("netns Create " + ns, "host OpenInNetns " + ns, ns + " SetUp lo",
                  "host AddVethPair vb0123456789 eth0 02:42:0a:09:00:02 " + ns,
                  "host SetMaster vb0123456789 bt0", "host SetUp vb0123456789",
                  "host OpenInNetns " + ns, ns + " AddAddress eth0 10.9.0.2/24",
                  ns + " SetUp eth0", ns + " AddDefaultRoute 10.9.0.1 eth0"));
  EXPECT_THAT(Table(), HasSubstr("fib daddr type local tcp dport 8080 dnat to 10.9.0.2:80\n"));
  EXPECT_THAT(Table(), HasSubstr("ip daddr 127.0.0.1 udp dport 40000 dnat to 10.9.0.2:53\n"));
  EXPECT_EQ(result->hosts.substr(result->hosts.rfind("10.9.0.2")), "10.9.0.2\t0123456789ab\n");
  EXPECT_EQ(result->resolv_conf, "nameserver 10.0.0.2\n");
  EXPECT_THAT(manager_->ListEndpoints(), ElementsAre(kId));
  EXPECT_EQ(ports_.held_count(), 2u);
  EXPECT_TRUE(result->created);

  // Attaching again returns the same endpoint and creates nothing.
  kernel_.calls.clear();
  auto again = manager_->Attach(params);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->endpoint, ep);
  EXPECT_FALSE(again->created);  // so a caller's undo leaves it alone
  EXPECT_TRUE(kernel_.calls.empty());
}

TEST_F(NetworkManagerTest, AttachGuardsItsPortUntilDetach) {
  AttachParams params = Bridge(kId);
  params.ports.push_back({"tcp", "127.0.0.1", 9000, 80});
  ASSERT_TRUE(manager_->Attach(params).ok());
  const std::string own_ip =
      "iifname \"vb0123456789\" ether saddr 02:42:0a:09:00:02 ip saddr 10.9.0.2 accept\n";
  EXPECT_THAT(Table(), HasSubstr(own_ip));
  EXPECT_THAT(Table(), HasSubstr("iifname { \"vb0123456789\" } drop\n"));
  EXPECT_THAT(Table(), HasSubstr("iifname { \"vb0123456789\" } icmpv6 type nd-router-advert drop"));
  // The loopback-published port is DNATed for the host only.
  std::string table = Table();
  size_t output = table.find("chain output {");
  EXPECT_EQ(table.find("ip daddr 127.0.0.1 tcp dport 9000"),
            table.find("ip daddr 127.0.0.1 tcp dport 9000", output));

  // Reconciled like the port rules: a restart renders the same guard.
  StartManager();
  EXPECT_EQ(Table(), table);
  NETD_ASSERT_OK(manager_->Detach(kId));
  EXPECT_THAT(Table(), ::testing::Not(HasSubstr("vb0123456789")));
}

TEST_F(NetworkManagerTest, RouterAdvertisementsAreRefusedOnBridgeAndVeth) {
  for (const char* ifname : {"bt0", "vb0123456789"}) {
    std::string dir = config_.proc_sys_dir + "/net/ipv6/conf/" + ifname;
    std::filesystem::create_directories(dir);
    std::ofstream(dir + "/accept_ra") << "1\n";
  }
  StartManager();
  EXPECT_EQ(ReadFile(config_.proc_sys_dir + "/net/ipv6/conf/bt0/accept_ra"), "0");
  ASSERT_TRUE(manager_->Attach(Bridge(kId)).ok());
  EXPECT_EQ(ReadFile(config_.proc_sys_dir + "/net/ipv6/conf/vb0123456789/accept_ra"), "0");
}

TEST_F(NetworkManagerTest, AVethWithoutIpv6SysctlsIsRefusedAndUndone) {
  // IPv6 is on (the dir exists) but the kernel shows no settings for the new
  // port: netd cannot vouch for it, so the attach fails as a whole.
  std::filesystem::create_directories(config_.proc_sys_dir + "/net/ipv6/conf/bt0");
  std::ofstream(config_.proc_sys_dir + "/net/ipv6/conf/bt0/accept_ra") << "1\n";
  StartManager();
  auto result = manager_->Attach(Bridge(kId));
  EXPECT_TRUE(absl::IsNotFound(result.status())) << result.status();
  EXPECT_THAT(result.status().message(), HasSubstr("vb0123456789/accept_ra"));
  EXPECT_TRUE(manager_->ListEndpoints().empty());
  EXPECT_TRUE(absl::IsNotFound(netlink_.GetLink("vb0123456789").status()));
  EXPECT_EQ(kernel_.namespaces.count(NetnsPath(kId)), 0u);
}

TEST_F(NetworkManagerTest, NoneModeBringsUpLoopbackOnlyAndIgnoresPorts) {
  AttachParams params = Bridge("c-none");
  params.network_mode = "none";
  params.ports.push_back({"tcp", "", 8080, 80});
  auto result = manager_->Attach(params);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->endpoint.mode, "none");
  EXPECT_TRUE(result->endpoint.primary().ip_address.empty());
  EXPECT_TRUE(result->endpoint.ports.empty());
  const std::string ns = NetnsPath("c-none");
  EXPECT_TRUE(kernel_.namespaces[ns].links["lo"].info.up);
  EXPECT_EQ(kernel_.namespaces[ns].links.size(), 1u);
  EXPECT_THAT(Table(), ::testing::Not(HasSubstr("dnat to")));
}

TEST_F(NetworkManagerTest, HostModeUsesNetdsOwnNamespaceAndTheHostsFiles) {
  config_.hosts_source = dir_.path() + "/hosts";
  std::ofstream(config_.hosts_source) << "127.0.0.1\tlocalhost\n10.0.0.9\tthehost\n";
  StartManager();
  AttachParams params = Bridge("c-host");
  params.network_mode = "host";
  params.ports.push_back({"tcp", "", 8080, 80});  // discarded, as Docker does
  params.extra_hosts = {"extra:10.1.2.3"};
  kernel_.calls.clear();
  auto result = manager_->Attach(params);
  ASSERT_TRUE(result.ok()) << result.status();
  const std::string host_ns = config_.run_dir + "/netd/netns/.host";
  EXPECT_EQ(result->endpoint.mode, "host");
  EXPECT_EQ(result->endpoint.netns_path, host_ns);
  EXPECT_TRUE(result->endpoint.interfaces.empty());
  EXPECT_TRUE(result->endpoint.ports.empty());
  EXPECT_THAT(kernel_.calls, ElementsAre("netns Remove " + host_ns, "netns BindCurrent " + host_ns));
  EXPECT_EQ(result->hosts, "127.0.0.1\tlocalhost\n10.0.0.9\tthehost\n10.1.2.3\textra\n");
  EXPECT_EQ(result->resolv_conf, "nameserver 10.0.0.2\n");
  // A second host container reuses the bind; detach never removes it.
  kernel_.calls.clear();
  AttachParams second = Bridge("c-host3");
  second.network_mode = "host";
  ASSERT_TRUE(manager_->Attach(second).ok());
  EXPECT_TRUE(kernel_.calls.empty());
  NETD_ASSERT_OK(manager_->Detach("c-host"));
  NETD_ASSERT_OK(manager_->Detach("c-host3"));
  EXPECT_EQ(netns_.host_bound.count(host_ns), 1u);
  EXPECT_EQ(kernel_.namespaces.count(host_ns), 1u);
  // After a restart the host endpoint is recovered (its namespace bound again).
  ASSERT_TRUE(manager_->Attach(params).ok());
  StartManager();
  EXPECT_THAT(manager_->ListEndpoints(), ::testing::Contains("c-host"));
}

TEST_F(NetworkManagerTest, ContainerModeJoinsAnAttachedContainersNamespace) {
  AttachParams owner = Bridge(kId);
  owner.hostname = "owner-host";
  auto first = manager_->Attach(owner);
  ASSERT_TRUE(first.ok()) << first.status();
  AttachParams joiner = Bridge("c-joiner");
  joiner.network_mode = std::string("container:") + kId;
  kernel_.calls.clear();
  auto joined = manager_->Attach(joiner);
  ASSERT_TRUE(joined.ok()) << joined.status();
  EXPECT_EQ(joined->endpoint.mode, "container");
  EXPECT_EQ(joined->endpoint.joined, kId);
  EXPECT_EQ(joined->endpoint.netns_path, NetnsPath(kId));
  EXPECT_TRUE(kernel_.calls.empty());  // no namespace, no veth of its own
  EXPECT_EQ(joined->hosts, first->hosts);
  EXPECT_EQ(joined->resolv_conf, first->resolv_conf);
  // It cannot be connected to a network; its detach leaves the owner's
  // namespace alone.
  auto connect = manager_->Connect({"c-joiner", {"bridge", {}, "", ""}});
  EXPECT_TRUE(absl::IsFailedPrecondition(connect.status())) << connect.status();
  NETD_ASSERT_OK(manager_->Detach("c-joiner"));
  EXPECT_EQ(kernel_.namespaces.count(NetnsPath(kId)), 1u);
  // A container that is not attached cannot be joined (Docker's text).
  joiner.network_mode = "container:nosuch";
  auto refused = manager_->Attach(joiner);
  EXPECT_TRUE(absl::IsFailedPrecondition(refused.status()));
  EXPECT_EQ(refused.status().message(),
            "cannot join network of a non running container: nosuch");
}

TEST_F(NetworkManagerTest, DnsSettingsExtraHostsLinksMacAndHairpin) {
  auto linked = manager_->Attach(Bridge("c-linked"));
  ASSERT_TRUE(linked.ok());
  std::filesystem::create_directories(dir_.path() + "/sys/vb0123456789/brport");
  std::ofstream(dir_.path() + "/sys/vb0123456789/brport/hairpin_mode") << "0\n";
  config_.sys_class_net_dir = dir_.path() + "/sys";
  std::ofstream(config_.resolv_conf_source) << "nameserver 10.0.0.2\nsearch host.test\n"
                                                "options rotate\n";
  StartManager();
  AttachParams params = Bridge(kId);
  params.dns = {{"192.0.2.1"}, {"corp.test"}, {"ndots:2"}};
  params.extra_hosts = {"db:10.1.1.1", "gw:host-gateway", "v6:fd00::1"};
  params.links = {{"c-linked", "store c-linked-host c-linked"}};
  params.networks = {{"bridge", {}, "", "02:42:AC:11:00:99"}};
  auto result = manager_->Attach(params);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->resolv_conf, "search corp.test\noptions ndots:2\nnameserver 192.0.2.1\n");
  EXPECT_THAT(result->hosts,
              HasSubstr("10.1.1.1\tdb\n10.9.0.1\tgw\nfd00::1\tv6\n" +
                        linked->endpoint.primary().ip_address +
                        "\tstore c-linked-host c-linked\n"));
  EXPECT_EQ(result->endpoint.primary().mac_address, "02:42:ac:11:00:99");
  EXPECT_THAT(Table(), HasSubstr("02:42:ac:11:00:99"));
  EXPECT_EQ(ReadFile(dir_.path() + "/sys/vb0123456789/brport/hairpin_mode"), "1");
  // Kept across a restart: an attach of the same container answers the same.
  StartManager();
  auto again = manager_->Attach(params);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->hosts, result->hosts);
  EXPECT_EQ(again->resolv_conf, result->resolv_conf);

  AttachParams bad = Bridge("c-bad");
  bad.extra_hosts = {"nohost:not-an-ip"};
  EXPECT_EQ(manager_->Attach(bad).status().message(),
            "invalid IP address in add-host: \"not-an-ip\"");
  bad.extra_hosts.clear();
  bad.networks = {{"bridge", {}, "", "01:00:5e:00:00:01"}};  // multicast
  EXPECT_TRUE(absl::IsInvalidArgument(manager_->Attach(bad).status()));
  bad.networks.clear();
  bad.links = {{"c-unknown", "x"}};
  EXPECT_TRUE(absl::IsFailedPrecondition(manager_->Attach(bad).status()));
}

TEST_F(NetworkManagerTest, DockerUserChainGetsTaggedAcceptsOnlyWhenItExists) {
  // No DOCKER-USER: nothing but our own table is loaded.
  EXPECT_EQ(nft_.scripts.size(), 1u);
  nft_.chains["filter DOCKER-USER"] =
      "table ip filter {\n\tchain DOCKER-USER {\n"
      "\t\tiifname \"bt0\" accept comment \"berth:berth_t\" # handle 7\n"
      "\t\tiifname \"bt0\" accept comment \"berth:berth_tx\" # handle 8\n"
      "\t\tcounter return # handle 3\n\t}\n}\n";
  nft_.scripts.clear();
  StartManager();
  ASSERT_EQ(nft_.scripts.size(), 2u);
  EXPECT_EQ(nft_.scripts[1],
            "delete rule ip filter DOCKER-USER handle 7\n"
            "insert rule ip filter DOCKER-USER iifname \"bt0\" accept comment \"berth:berth_t\"\n"
            "insert rule ip filter DOCKER-USER oifname \"bt0\" accept comment \"berth:berth_t\"\n");
  // Up to date: not written again.
  nft_.chains["filter DOCKER-USER"] =
      "\t\toifname \"bt0\" accept comment \"berth:berth_t\" # handle 10\n"
      "\t\tiifname \"bt0\" accept comment \"berth:berth_t\" # handle 9\n";
  nft_.scripts.clear();
  StartManager();
  EXPECT_EQ(nft_.scripts.size(), 1u);
  // Teardown deletes exactly ours.
  nft_.scripts.clear();
  NETD_ASSERT_OK(manager_->Teardown());
  EXPECT_EQ(nft_.scripts.back(),
            "delete rule ip filter DOCKER-USER handle 10\n"
            "delete rule ip filter DOCKER-USER handle 9\n");
}

TEST_F(NetworkManagerTest, TakenPortFailsWithDockersTextAndLeavesNothing) {
  AttachParams first = Bridge("c1");
  first.ports.push_back({"tcp", "", 8080, 80});
  ASSERT_TRUE(manager_->Attach(first).ok());
  AttachParams second = Bridge("c2");
  second.ports.push_back({"tcp", "127.0.0.1", 8080, 80});
  auto clash = manager_->Attach(second);
  EXPECT_TRUE(absl::IsAlreadyExists(clash.status()));
  EXPECT_EQ(clash.status().message(), "Bind for 127.0.0.1:8080 failed: port is already allocated");

  ports_.TakeByHost("tcp", "", 9090);  // some host daemon listens there
  AttachParams third = Bridge("c3");
  third.ports.push_back({"tcp", "", 9090, 80});
  EXPECT_EQ(manager_->Attach(third).status().message(),
            "Bind for 0.0.0.0:9090 failed: port is already allocated");

  EXPECT_EQ(kernel_.namespaces.count(NetnsPath("c2")), 0u);
  EXPECT_THAT(manager_->ListEndpoints(), ElementsAre("c1"));
  EXPECT_EQ(ports_.held_count(), 1u);
  // The failed attempts did not consume addresses.
  EXPECT_EQ(manager_->Attach(Bridge("c4"))->endpoint.primary().ip_address, "10.9.0.3");
}

// -p 127.0.0.1:8000-8002:80: the first port of the range that no endpoint,
// no fixed binding of the same request and no host program holds.
TEST_F(NetworkManagerTest, HostPortRangeTakesTheFirstFreePortAndFailsWhenFull) {
  AttachParams first = Bridge("c1");
  first.ports.push_back({"tcp", "127.0.0.1", 8000, 80});
  ASSERT_TRUE(manager_->Attach(first).ok());
  ports_.TakeByHost("tcp", "", 8001);
  AttachParams second = Bridge("c2");
  second.ports.push_back({"tcp", "127.0.0.1", 8000, 80, 8003});
  second.ports.push_back({"tcp", "127.0.0.1", 8002, 81});
  auto ranged = manager_->Attach(second);
  ASSERT_TRUE(ranged.ok()) << ranged.status();
  ASSERT_EQ(ranged->endpoint.ports.size(), 2u);
  EXPECT_EQ(ranged->endpoint.ports[0].host_port, 8003);
  EXPECT_EQ(ranged->endpoint.ports[1].host_port, 8002);

  AttachParams full = Bridge("c3");
  full.ports.push_back({"tcp", "127.0.0.1", 8000, 80, 8003});
  auto refused = manager_->Attach(full);
  EXPECT_TRUE(absl::IsAlreadyExists(refused.status())) << refused.status();
  EXPECT_EQ(refused.status().message(),
            "Bind for 127.0.0.1:8000-8003 failed: all ports are allocated");
  EXPECT_THAT(manager_->ListEndpoints(), ElementsAre("c1", "c2"));
  EXPECT_EQ(ports_.held_count(), 3u);
}

TEST_F(NetworkManagerTest, KernelFailureMidwayUndoesEverything) {
  kernel_.FailNext("AddDefaultRoute", absl::InternalError("boom"));
  AttachParams params = Bridge(kId);
  params.ports.push_back({"tcp", "", 8080, 80});
  auto result = manager_->Attach(params);
  EXPECT_TRUE(absl::IsInternal(result.status())) << result.status();

  EXPECT_EQ(kernel_.namespaces.count(NetnsPath(kId)), 0u);
  EXPECT_TRUE(absl::IsNotFound(netlink_.GetLink("vb0123456789").status()));
  EXPECT_TRUE(manager_->ListEndpoints().empty());
  EXPECT_EQ(ports_.held_count(), 0u);
  EXPECT_FALSE(std::filesystem::exists(config_.state_dir + "/endpoints/" + kId + ".json"));
  EXPECT_THAT(ReadFile(config_.state_dir + "/ipam/bridge.json"), HasSubstr("\"leases\": {}"));
  EXPECT_THAT(Table(), ::testing::Not(HasSubstr("dnat to")));
}

TEST_F(NetworkManagerTest, AFailedAttachNeverDeletesAnotherStacksVeth) {
  // Another stack attached the same container id: same veth name, its bridge.
  NETD_ASSERT_OK(netlink_.AddBridge("other0"));
  NETD_ASSERT_OK(netns_.Create("/other/netns/c1"));
  NETD_ASSERT_OK(
      netlink_.AddVethPair(HostVethName("c1"), "eth0", "02:42:00:00:00:01", "/other/netns/c1"));
  NETD_ASSERT_OK(netlink_.SetMaster(HostVethName("c1"), "other0"));

  auto result = manager_->Attach(Bridge("c1"));
  EXPECT_TRUE(absl::IsAlreadyExists(result.status())) << result.status();
  EXPECT_TRUE(netlink_.GetLink(HostVethName("c1")).ok());
  EXPECT_EQ(kernel_.namespaces.count(NetnsPath("c1")), 0u);

  // Nor does the undo of a "creating" record at Recover.
  EndpointRecord creating;
  creating.container_id = "c1";
  creating.mode = "bridge";
  creating.netns_path = NetnsPath("c1");
  creating.interfaces.push_back({});
  creating.interfaces[0].host_veth = HostVethName("c1");
  NETD_ASSERT_OK(EndpointStore(config_.state_dir + "/endpoints").Put(creating));
  StartManager();
  EXPECT_TRUE(netlink_.GetLink(HostVethName("c1")).ok());
}

TEST_F(NetworkManagerTest, RulesetFailureUndoesTheAttach) {
  nft_.fail_next = absl::InternalError("nft: syntax error");
  auto result = manager_->Attach(Bridge("c1"));
  EXPECT_FALSE(result.ok());
  EXPECT_TRUE(manager_->ListEndpoints().empty());
  EXPECT_EQ(kernel_.namespaces.count(NetnsPath("c1")), 0u);
}

TEST_F(NetworkManagerTest, DetachRemovesEverythingAndIsIdempotent) {
  AttachParams params = Bridge(kId);
  params.ports.push_back({"tcp", "", 8080, 80});
  ASSERT_TRUE(manager_->Attach(params).ok());
  NETD_ASSERT_OK(manager_->Detach(kId));
  EXPECT_EQ(kernel_.namespaces.count(NetnsPath(kId)), 0u);
  EXPECT_TRUE(absl::IsNotFound(netlink_.GetLink("vb0123456789").status()));
  EXPECT_TRUE(manager_->ListEndpoints().empty());
  EXPECT_EQ(ports_.held_count(), 0u);
  EXPECT_THAT(Table(), ::testing::Not(HasSubstr("dnat to")));
  NETD_EXPECT_OK(manager_->Detach(kId));
  NETD_EXPECT_OK(manager_->Detach("never-attached"));
  EXPECT_TRUE(absl::IsInvalidArgument(manager_->Detach("../etc")));
}

TEST_F(NetworkManagerTest, DetachRuleFailureKeepsTheEndpointForARetry) {
  AttachParams params = Bridge("c1");
  params.ports.push_back({"tcp", "", 8080, 80});
  ASSERT_TRUE(manager_->Attach(params).ok());
  nft_.fail_next = absl::InternalError("nft down");
  EXPECT_FALSE(manager_->Detach("c1").ok());
  EXPECT_THAT(manager_->ListEndpoints(), ElementsAre("c1"));
  EXPECT_THAT(Table(), HasSubstr("dport 8080"));
  NETD_EXPECT_OK(manager_->Detach("c1"));
  EXPECT_TRUE(manager_->ListEndpoints().empty());
}

TEST_F(NetworkManagerTest, RestartKeepsEndpointsRulesAndLeases) {
  AttachParams params = Bridge("c1");
  params.ports.push_back({"tcp", "", 8080, 80});
  ASSERT_TRUE(manager_->Attach(params).ok());
  std::string table = Table();
  nft_.tables.clear();

  StartManager();
  EXPECT_THAT(manager_->ListEndpoints(), ElementsAre("c1"));
  EXPECT_EQ(Table(), table);
  EXPECT_EQ(ports_.held_count(), 1u);  // re-reserved
  EXPECT_EQ(manager_->Attach(Bridge("c2"))->endpoint.primary().ip_address, "10.9.0.3");
  NETD_EXPECT_OK(manager_->Detach("c1"));
  EXPECT_EQ(kernel_.namespaces.count(NetnsPath("c1")), 0u);
}

TEST_F(NetworkManagerTest, RecoverUndoesInterruptedAttachesAndOrphans) {
  ASSERT_TRUE(manager_->Attach(Bridge("kept")).ok());
  // A crash after the "creating" record and the veth, before "active".
  kernel_.FailNext("AddDefaultRoute", absl::InternalError("crash"));
  EndpointRecord creating;
  creating.container_id = "half";
  creating.mode = "bridge";
  creating.netns_path = NetnsPath("half");
  creating.interfaces.push_back({});
  creating.interfaces[0].ip_address = "10.9.0.9";
  creating.interfaces[0].host_veth = "vbhalf";
  NETD_ASSERT_OK(EndpointStore(config_.state_dir + "/endpoints").Put(creating));
  NETD_ASSERT_OK(netns_.Create(NetnsPath("half")));
  NETD_ASSERT_OK(netlink_.AddVethPair("vbhalf", "eth0", "02:42:00:00:00:09", NetnsPath("half")));
  // A namespace and a veth on our bridge without any record.
  NETD_ASSERT_OK(netns_.Create(NetnsPath("stray")));
  NETD_ASSERT_OK(netlink_.AddVethPair("vbstray", "eth0", "02:42:00:00:00:0a", NetnsPath("stray")));
  NETD_ASSERT_OK(netlink_.SetMaster("vbstray", "bt0"));
  // A veth of another stack (not on our bridge) must survive.
  NETD_ASSERT_OK(netlink_.AddBridge("other0"));
  NETD_ASSERT_OK(netns_.Create("/elsewhere/ns"));
  NETD_ASSERT_OK(netlink_.AddVethPair("vbother", "eth0", "02:42:00:00:00:0b", "/elsewhere/ns"));
  NETD_ASSERT_OK(netlink_.SetMaster("vbother", "other0"));
  kernel_.fail_next.clear();

  StartManager();
  EXPECT_THAT(manager_->ListEndpoints(), ElementsAre("kept"));
  EXPECT_EQ(kernel_.namespaces.count(NetnsPath("half")), 0u);
  EXPECT_EQ(kernel_.namespaces.count(NetnsPath("stray")), 0u);
  EXPECT_EQ(kernel_.namespaces.count(NetnsPath("kept")), 1u);
  EXPECT_TRUE(absl::IsNotFound(netlink_.GetLink("vbhalf").status()));
  EXPECT_TRUE(absl::IsNotFound(netlink_.GetLink("vbstray").status()));
  EXPECT_TRUE(netlink_.GetLink("vbother").ok());
  EXPECT_FALSE(std::filesystem::exists(config_.state_dir + "/endpoints/half.json"));
}

TEST_F(NetworkManagerTest, RecoverDropsEndpointsWhoseNamespaceIsGone) {
  AttachParams params = Bridge("c1");
  params.ports.push_back({"tcp", "", 8080, 80});
  ASSERT_TRUE(manager_->Attach(params).ok());
  ASSERT_TRUE(manager_->Attach(Bridge("c2")).ok());
  // A reboot: namespaces and veths are gone, records and files remain.
  NETD_ASSERT_OK(netlink_.DeleteLink(HostVethName("c1")));
  kernel_.namespaces.erase(NetnsPath("c1"));

  StartManager();
  EXPECT_THAT(manager_->ListEndpoints(), ElementsAre("c2"));
  EXPECT_THAT(Table(), ::testing::Not(HasSubstr("dport 8080")));
  EXPECT_EQ(ports_.held_count(), 0u);
  // Its address is free again and a new Attach builds a fresh endpoint.
  auto again = manager_->Attach(params);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(kernel_.namespaces.count(NetnsPath("c1")), 1u);
}

TEST_F(NetworkManagerTest, TeardownRemovesBridgeTableAndEndpoints) {
  AttachParams params = Bridge("c1");
  params.ports.push_back({"tcp", "", 8080, 80});
  ASSERT_TRUE(manager_->Attach(params).ok());
  ASSERT_TRUE(manager_->Attach(Bridge("c2")).ok());
  // berth-down runs a fresh process: a manager that never recovered.
  manager_.reset();
  auto manager =
      NetworkManager::Create(config_, NetdDeps{netlink_, netns_, nft_, ports_, metrics_});
  ASSERT_TRUE(manager.ok());
  NETD_ASSERT_OK((*manager)->Teardown());
  EXPECT_TRUE(absl::IsNotFound(netlink_.GetLink("bt0").status()));
  EXPECT_TRUE(nft_.tables.empty());
  EXPECT_EQ(kernel_.namespaces.count(NetnsPath("c1")), 0u);
  EXPECT_EQ(kernel_.namespaces.count(NetnsPath("c2")), 0u);
  EXPECT_TRUE(netns_.prepared_dirs.empty());
  EXPECT_FALSE(std::filesystem::exists(config_.state_dir + "/endpoints/c1.json"));
  NETD_EXPECT_OK((*manager)->Teardown());
}

TEST_F(NetworkManagerTest, ListNetworksHasThePredefinedOnesWithStableIds) {
  auto networks = manager_->ListNetworks();
  ASSERT_EQ(networks.size(), 3u);
  EXPECT_EQ(networks[0].name, "bridge");
  EXPECT_EQ(networks[0].subnet, "10.9.0.0/24");
  EXPECT_EQ(networks[0].gateway, "10.9.0.1");
  EXPECT_EQ(networks[0].bridge, "bt0");
  EXPECT_EQ(networks[1].driver, "host");
  EXPECT_EQ(networks[2].driver, "null");
  std::string id = networks[0].id;
  StartManager();
  EXPECT_EQ(manager_->ListNetworks()[0].id, id);
}

TEST_F(NetworkManagerTest, SubnetFullIsResourceExhausted) {
  config_.subnet = "10.9.0.0/30";  // one container address
  StartManager();
  ASSERT_TRUE(manager_->Attach(Bridge("c1")).ok());
  auto full = manager_->Attach(Bridge("c2"));
  EXPECT_TRUE(absl::IsResourceExhausted(full.status())) << full.status();
  EXPECT_EQ(kernel_.namespaces.count(NetnsPath("c2")), 0u);
}

}  // namespace
}  // namespace berth::netd
