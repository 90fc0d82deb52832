// Root tests of netd against the real kernel: a private bridge, subnet and nft
// table per test process (named from the pid), real namespaces and veths.
// Traffic goes only to 127.0.0.1 and to the namespaces the test made.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <prometheus/registry.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "manager_fixture.h"
#include "netns_helpers.h"
#include "services/netd/firewall/libnftables_applier.h"
#include "services/netd/metrics.h"
#include "services/netd/netlink/linux_netlink.h"
#include "services/netd/netns/linux_netns_ops.h"
#include "services/netd/network_manager.h"
#include "services/netd/ports/port_reserver.h"

namespace berth::netd {
namespace {

using testing::NetnsGreeter;
using testing::ReadFromLoopback;
using testing::ReadFromNetns;
using testing::RunCommand;

class NetdIntegrationTest : public testing::NetdManagerFixture {
 protected:
  NetdIntegrationTest() : NetdManagerFixture({"btn", 200, "berth_t", "/tmp/netd-it-"}) {}

  AttachParams Params(const std::string& id, const std::string& mode) {
    AttachParams params;
    params.container_id = id;
    params.container_name = id;
    params.network_mode = mode;
    params.hostname = id.substr(0, 12);
    return params;
  }

  std::string Nsenter(const std::string& netns_path, const std::string& command) {
    return RunCommand(absl::StrCat("nsenter --net=", netns_path, " ", command));
  }

};

TEST_F(NetdIntegrationTest, BridgeAttachConfiguresTheNamespaceAndDetachRemovesIt) {
  const std::string id = absl::StrCat("c0ffee", ::getpid() % 10000, "aabbccddeeff");
  auto result = manager_->Attach(Params(id, "bridge"));
  ASSERT_TRUE(result.ok()) << result.status();
  const EndpointRecord& ep = result->endpoint;
  EXPECT_EQ(ep.netns_path, config_.run_dir + "/netd/netns/" + id);

  std::string addr = Nsenter(ep.netns_path, "ip -4 -o addr show dev eth0");
  EXPECT_NE(addr.find(absl::StrCat(ep.primary().ip_address, "/24")), std::string::npos) << addr;
  std::string link = Nsenter(ep.netns_path, "ip -o link show dev eth0");
  EXPECT_NE(link.find(ep.primary().mac_address), std::string::npos) << link;
  EXPECT_NE(link.find("UP"), std::string::npos) << link;
  std::string route = Nsenter(ep.netns_path, "ip -4 route show default");
  EXPECT_NE(route.find("default via " + ep.primary().gateway + " dev eth0"), std::string::npos) << route;
  std::string host_side = RunCommand("ip -o link show dev " + ep.primary().host_veth);
  EXPECT_NE(host_side.find("master " + config_.bridge), std::string::npos) << host_side;
  EXPECT_NE(result->hosts.find(ep.primary().ip_address + "\t" + id.substr(0, 12)), std::string::npos);

  ASSERT_TRUE(manager_->Detach(id).ok());
  EXPECT_FALSE(std::filesystem::exists(ep.netns_path));
  EXPECT_TRUE(absl::IsNotFound(netlink_->GetLink(ep.primary().host_veth).status()));
  EXPECT_TRUE(manager_->ListEndpoints().empty());
  EXPECT_TRUE(manager_->Detach(id).ok());  // idempotent
}

TEST_F(NetdIntegrationTest, PublishedPortAnswersOnLoopbackAcrossARestart) {
  const std::string id = absl::StrCat("ab", ::getpid(), "cdef0123456789");
  AttachParams params = Params(id, "");
  params.ports.push_back({"tcp", "", 0, 8080});
  params.ports.push_back({"tcp", "127.0.0.1", 0, 8080});  // the "ip daddr" rule
  auto result = manager_->Attach(params);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->endpoint.ports.size(), 2u);
  uint16_t host_port = result->endpoint.ports[0].host_port;
  uint16_t loopback_port = result->endpoint.ports[1].host_port;
  ASSERT_NE(host_port, 0);
  ASSERT_NE(loopback_port, 0);
  ASSERT_NE(host_port, loopback_port);

  NetnsGreeter greeter;
  ASSERT_TRUE(greeter.Start(result->endpoint.netns_path, 8080).ok());
  EXPECT_EQ(ReadFromLoopback(host_port), "hello from the netns\n");
  EXPECT_EQ(ReadFromLoopback(loopback_port), "hello from the netns\n");

  // The same host port for another container is refused in Docker's words.
  AttachParams other = Params(absl::StrCat("ef", ::getpid(), "0123456789ab"), "bridge");
  other.ports.push_back({"tcp", "127.0.0.1", host_port, 80});
  auto clash = manager_->Attach(other);
  EXPECT_TRUE(absl::IsAlreadyExists(clash.status())) << clash.status();
  EXPECT_EQ(clash.status().message(),
            absl::StrCat("Bind for 127.0.0.1:", host_port, " failed: port is already allocated"));
  EXPECT_FALSE(std::filesystem::exists(config_.run_dir + "/netd/netns/" + other.container_id));

  // A "restart": the rules live in the kernel, the record on disk.
  manager_.reset();
  EXPECT_EQ(ReadFromLoopback(host_port), "hello from the netns\n");
  StartManager();
  ASSERT_EQ(manager_->ListEndpoints(), std::vector<std::string>{id});
  EXPECT_EQ(ReadFromLoopback(host_port), "hello from the netns\n");

  ASSERT_TRUE(manager_->Detach(id).ok());
  EXPECT_NE(ReadFromLoopback(host_port), "hello from the netns\n");
  auto table = nft_.ListTable(config_.nft_table);
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->find("dnat to"), std::string::npos) << *table;
}

TEST_F(NetdIntegrationTest, ContainerReachesAnothersPublishedPortThroughTheGateway) {
  AttachParams server = Params(absl::StrCat("srv", ::getpid()), "bridge");
  server.ports.push_back({"tcp", "", 0, 8080});
  auto published = manager_->Attach(server);
  ASSERT_TRUE(published.ok()) << published.status();
  auto client = manager_->Attach(Params(absl::StrCat("cli", ::getpid()), "bridge"));
  ASSERT_TRUE(client.ok()) << client.status();
  NetnsGreeter greeter;
  ASSERT_TRUE(greeter.Start(published->endpoint.netns_path, 8080).ok());
  // This exercises the prerouting DNAT (loopback clients use the output
  // chain). The reply would bypass the host's conntrack over the bridge and
  // be dropped by the client, unless br_netfilter is loaded (it is on this
  // machine) or the "ct status dnat" masquerade rewrites the source; the
  // latter is what makes it work on every host.
  EXPECT_EQ(ReadFromNetns(client->endpoint.netns_path, client->endpoint.primary().gateway,
                          published->endpoint.ports[0].host_port),
            "hello from the netns\n");
}

TEST_F(NetdIntegrationTest, NoneModeHasOnlyLoopback) {
  const std::string id = absl::StrCat("none", ::getpid());
  auto result = manager_->Attach(Params(id, "none"));
  ASSERT_TRUE(result.ok()) << result.status();
  std::string links = Nsenter(result->endpoint.netns_path, "ip -o link show");
  EXPECT_NE(links.find("lo: <LOOPBACK,UP"), std::string::npos) << links;
  EXPECT_EQ(links.find("eth0"), std::string::npos) << links;
  ASSERT_TRUE(manager_->Detach(id).ok());
}

TEST_F(NetdIntegrationTest, RecoverRemovesOrphansAndTeardownRemovesEverything) {
  // A namespace and a veth on our bridge that no record knows: what a crash
  // between the kernel calls and the record write would leave.
  std::string orphan_ns = config_.run_dir + "/netd/netns/orphan";
  ASSERT_TRUE(netns_ops_.Create(orphan_ns).ok());
  std::string orphan_veth = absl::StrCat("vbo", ::getpid() % 100000);
  ASSERT_TRUE(netlink_->AddVethPair(orphan_veth, "eth0", "02:42:00:00:00:09", orphan_ns).ok());
  ASSERT_TRUE(netlink_->SetMaster(orphan_veth, config_.bridge).ok());
  auto kept = manager_->Attach(Params(absl::StrCat("kept", ::getpid()), "bridge"));
  ASSERT_TRUE(kept.ok()) << kept.status();

  StartManager();
  EXPECT_FALSE(std::filesystem::exists(orphan_ns));
  EXPECT_TRUE(absl::IsNotFound(netlink_->GetLink(orphan_veth).status()));
  EXPECT_TRUE(std::filesystem::exists(kept->endpoint.netns_path));
  EXPECT_TRUE(netlink_->GetLink(kept->endpoint.primary().host_veth).ok());

  ASSERT_TRUE(manager_->Teardown().ok());
  EXPECT_FALSE(std::filesystem::exists(kept->endpoint.netns_path));
  EXPECT_TRUE(absl::IsNotFound(netlink_->GetLink(kept->endpoint.primary().host_veth).status()));
  EXPECT_TRUE(absl::IsNotFound(netlink_->GetLink(config_.bridge).status()));
  EXPECT_TRUE(absl::IsNotFound(nft_.ListTable(config_.nft_table).status()));
  EXPECT_TRUE(manager_->Teardown().ok());  // idempotent
}

}  // namespace
}  // namespace berth::netd
