// Coexistence with a Docker engine's iptables-nft rules (issue 11): in the
// test's own network namespace, a setup like Docker's (table ip filter, chain
// FORWARD with policy drop that first jumps to DOCKER-USER, br_netfilter
// passing bridged IPv4 through it) must not cut Berth's bridge. netd puts
// tagged accepts for its bridges into DOCKER-USER; removing them by hand
// shows Docker's policy dropping the very same traffic, so the test cannot
// pass because the traffic was never filtered. Traffic goes only to the
// namespaces the test made.
#include <sched.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "manager_fixture.h"
#include "netns_helpers.h"

namespace berth::netd {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::NetnsGreeter;
using testing::ReadFromNetns;
using testing::RunCommand;

constexpr char kHello[] = "hello from the netns\n";

class DockerCoexistenceTest : public testing::NetdManagerFixture {
 protected:
  DockerCoexistenceTest()
      : NetdManagerFixture({"btk", 160, "berth_k", "/tmp/netd-docker-it-"}) {}

  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (netns, nftables)";
    // Everything below happens in a namespace of this test process alone:
    // Docker's drop policy never touches the host.
    ASSERT_EQ(::unshare(CLONE_NEWNET), 0);
    RunCommand("ip link set lo up");
    // br_netfilter's switch is per network namespace: bridged IPv4 goes
    // through the ip hooks here, as on a host running Docker.
    std::ofstream("/proc/sys/net/bridge/bridge-nf-call-iptables") << "1\n";
    ASSERT_EQ(RunCommand("nft add table ip filter && nft add chain ip filter DOCKER-USER && "
                         "nft 'add chain ip filter FORWARD { type filter hook forward priority "
                         "filter; policy drop; }' && nft add rule ip filter FORWARD counter jump "
                         "DOCKER-USER && nft add rule ip filter DOCKER-USER counter return"),
              "");
    NetdManagerFixture::SetUp();
  }

  void TearDown() override {
    NetdManagerFixture::TearDown();
    if (!outside_ns_.empty()) RunCommand("ip netns del " + outside_ns_);
  }

  EndpointRecord Attach(const std::string& name, std::vector<PortRequest> ports = {}) {
    AttachParams params;
    params.container_id = absl::StrCat(name, ::getpid());
    params.container_name = params.container_id;
    params.network_mode = "bridge";
    params.hostname = name;
    params.ports = std::move(ports);
    auto result = manager_->Attach(params);
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? result->endpoint : EndpointRecord{};
  }

  // A namespace routed through the host (as another machine on the LAN):
  // 10.252.x.2, reaching the host at 10.252.x.1. Returns its netns path.
  std::string MakeOutside() {
    const int pid = ::getpid();
    outside_ns_ = absl::StrCat("btkout", pid);
    net_ = absl::StrFormat("10.252.%d", pid % 250);
    const std::string host_if = absl::StrCat("bko", pid % 100000);
    const std::string in = "ip netns exec " + outside_ns_ + " ";
    EXPECT_EQ(RunCommand("ip netns add " + outside_ns_), "");
    EXPECT_EQ(RunCommand(absl::StrCat("ip link add ", host_if, " type veth peer name eth0 netns ",
                                      outside_ns_, " && ip addr add ", net_, ".1/30 dev ",
                                      host_if, " && ip link set ", host_if, " up && ", in,
                                      "ip addr add ", net_, ".2/30 dev eth0 && ", in,
                                      "ip link set eth0 up && ", in, "ip link set lo up && ", in,
                                      "ip route add ", config_.subnet, " via ", net_, ".1")),
              "");
    return "/run/netns/" + outside_ns_;
  }

  std::string outside_ns_;
  std::string net_;
};

TEST_F(DockerCoexistenceTest, DockersForwardDropPolicyDoesNotCutTheBridge) {
  EndpointRecord a = Attach("a", {{"tcp", "", 0, 8080}});
  EndpointRecord b = Attach("b");
  ASSERT_EQ(a.ports.size(), 1u);
  ASSERT_FALSE(b.interfaces.empty());
  const std::string outside = MakeOutside();
  NetnsGreeter in_a;
  ASSERT_TRUE(in_a.Start(a.netns_path, 8080).ok());
  NetnsGreeter in_outside;
  ASSERT_TRUE(in_outside.Start(outside, 9090).ok());
  const std::string a_ip = a.primary().ip_address;
  const uint16_t published = a.ports[0].host_port;

  // netd's accepts are in DOCKER-USER, before Docker's own return.
  const std::string tag = "berth:" + config_.nft_table;
  std::string chain = RunCommand("nft list chain ip filter DOCKER-USER");
  EXPECT_THAT(chain, HasSubstr(absl::StrCat("iifname \"", config_.bridge,
                                            "\" accept comment \"", tag, "\"")));
  EXPECT_THAT(chain, HasSubstr(absl::StrCat("oifname \"", config_.bridge,
                                            "\" accept comment \"", tag, "\"")));

  auto expect_all = [&](bool reachable) {
    // Container to container across the bridge, a container out to the
    // LAN, the LAN to a published port on the host's address.
    auto check = [&](const std::string& got, const char* what) {
      if (reachable) {
        EXPECT_EQ(got, kHello) << what;
      } else {
        EXPECT_NE(got, kHello) << what;
      }
    };
    check(ReadFromNetns(b.netns_path, a_ip, 8080), "b to a");
    check(ReadFromNetns(b.netns_path, net_ + ".2", 9090), "b to the outside");
    check(ReadFromNetns(outside, net_ + ".1", published), "outside to a's published port");
  };
  expect_all(true);

  // Without them Docker's policy drops all of it: the test sees the filter.
  RunCommand("nft flush chain ip filter DOCKER-USER");
  expect_all(false);

  // A restart of netd puts them back, once (no duplicates on a second one).
  StartManager();
  StartManager();
  expect_all(true);
  chain = RunCommand("nft list chain ip filter DOCKER-USER");
  size_t count = 0;
  for (size_t at = 0; (at = chain.find(tag, at)) != std::string::npos; ++at) ++count;
  EXPECT_EQ(count, 2u) << chain;

  // Teardown (berth-down) takes exactly its own rules away.
  RunCommand("nft add rule ip filter DOCKER-USER counter comment \\\"user-rule\\\"");
  ASSERT_TRUE(manager_->Teardown().ok());
  manager_.reset();
  chain = RunCommand("nft list chain ip filter DOCKER-USER");
  EXPECT_THAT(chain, Not(HasSubstr(tag)));
  EXPECT_THAT(chain, HasSubstr("user-rule"));
}

}  // namespace
}  // namespace berth::netd
