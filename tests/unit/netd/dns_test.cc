// The embedded DNS: the strict query parser, answers, which names a
// container sees, and the server answering over a real loopback socket (the
// fake namespace ops hand out 127.0.0.1 sockets, so no root is needed).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "manager_test_fixture.h"
#include "services/netd/dns/dns_server.h"
#include "services/netd/dns/message.h"
#include "services/netd/dns/names.h"
#include "services/netd/dns_files.h"

namespace berth::netd {
namespace {

using ::testing::ElementsAre;

// A query as a stub resolver sends it: id, RD, one question.
std::string MakeQuery(uint16_t id, const std::string& name, uint16_t qtype) {
  std::string q;
  auto put16 = [&q](uint16_t v) {
    q.push_back(static_cast<char>(v >> 8));
    q.push_back(static_cast<char>(v & 0xff));
  };
  put16(id);
  put16(0x0100);
  put16(1);
  put16(0);
  put16(0);
  put16(0);
  size_t start = 0;
  while (start <= name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    q.push_back(static_cast<char>(dot - start));
    q.append(name, start, dot - start);
    start = dot + 1;
  }
  q.push_back(0);
  put16(qtype);
  put16(dns::kClassIn);
  return q;
}

TEST(DnsMessageTest, ParsesAStandardQuery) {
  auto q = dns::ParseQuery(MakeQuery(0x1234, "Web.Example", dns::kTypeA));
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->id, 0x1234);
  EXPECT_TRUE(q->recursion_desired);
  EXPECT_EQ(q->name, "web.example");
  EXPECT_EQ(q->qtype, dns::kTypeA);
}

TEST(DnsMessageTest, RefusesWhatIsNotAPlainQuery) {
  std::string good = MakeQuery(1, "web", dns::kTypeA);
  EXPECT_FALSE(dns::ParseQuery("").ok());
  EXPECT_FALSE(dns::ParseQuery(good.substr(0, 11)).ok());
  std::string response = good;
  response[2] |= 0x80;  // QR
  EXPECT_FALSE(dns::ParseQuery(response).ok());
  std::string two = good;
  two[5] = 2;  // QDCOUNT 2
  EXPECT_FALSE(dns::ParseQuery(two).ok());
  std::string pointer = good;
  pointer[12] = static_cast<char>(0xc0);  // a compression pointer in the question
  EXPECT_FALSE(dns::ParseQuery(pointer).ok());
  EXPECT_FALSE(dns::ParseQuery(good.substr(0, good.size() - 3)).ok());
  std::string long_label = MakeQuery(1, std::string(64, 'a'), dns::kTypeA);
  EXPECT_FALSE(dns::ParseQuery(long_label).ok());
  EXPECT_EQ(dns::BuildFormatError(good).size(), 12u);
  EXPECT_EQ(dns::BuildFormatError("x"), "");
}

TEST(DnsMessageTest, ResponseEchoesTheQuestionAndCarriesARecords) {
  auto q = dns::ParseQuery(MakeQuery(7, "web", dns::kTypeA));
  ASSERT_TRUE(q.ok());
  std::string r = dns::BuildResponse(*q, dns::kRcodeNoError, {0x0a140002, 0x0a140003});
  EXPECT_EQ(r.substr(0, 2), std::string("\x00\x07", 2));
  EXPECT_EQ(static_cast<uint8_t>(r[2]) & 0x80, 0x80);  // QR
  EXPECT_EQ(r[7], 2);                                   // ANCOUNT
  EXPECT_EQ(r.substr(12, q->question.size()), q->question);
  EXPECT_EQ(r.size(), 12 + q->question.size() + 2 * 16);
  EXPECT_EQ(r.substr(r.size() - 4), std::string("\x0a\x14\x00\x03", 4));
}

EndpointRecord Member(const std::string& id, const std::string& name,
                      std::vector<InterfaceRecord> interfaces) {
  EndpointRecord r;
  r.container_id = id;
  r.container_name = name;
  r.interfaces = std::move(interfaces);
  return r;
}

InterfaceRecord On(const std::string& network, const std::string& ip,
                   std::vector<std::string> aliases = {}) {
  InterfaceRecord i;
  i.network_id = network;
  i.ip_address = ip;
  i.aliases = std::move(aliases);
  return i;
}

TEST(DnsNamesTest, ContainersSeeNamesAliasesAndShortIdsOfTheirUserNetworksOnly) {
  const std::string a_id = "aaaaaaaaaaaa0000";
  std::map<std::string, EndpointRecord> endpoints = {
      {a_id, Member(a_id, "web", {On("front", "10.1.0.2", {"www"})})},
      {"b", Member("b", "db", {On("front", "10.1.0.3"), On("back", "10.2.0.3", {"store"})})},
      {"c", Member("c", "cache", {On("back", "10.2.0.4")})},
      {"d", Member("d", "old", {On("bridge", "172.29.0.2")})},
      {"e", Member("e", "other", {On("bridge", "172.29.0.3")})},
  };
  std::set<std::string> user = {"front", "back"};
  EXPECT_THAT(dns::ResolveName(endpoints, user, "b", "WEB").addresses, ElementsAre(0x0a010002));
  EXPECT_THAT(dns::ResolveName(endpoints, user, "b", "www").addresses, ElementsAre(0x0a010002));
  EXPECT_THAT(dns::ResolveName(endpoints, user, "b", "aaaaaaaaaaaa").addresses,
              ElementsAre(0x0a010002));
  // b is on both networks: it sees cache on back.
  EXPECT_TRUE(dns::ResolveName(endpoints, user, "b", "cache").known);
  // web is not on back: neither cache nor b's alias there.
  EXPECT_FALSE(dns::ResolveName(endpoints, user, a_id, "cache").known);
  EXPECT_FALSE(dns::ResolveName(endpoints, user, a_id, "store").known);
  EXPECT_THAT(dns::ResolveName(endpoints, user, a_id, "db").addresses, ElementsAre(0x0a010003));
  // The default bridge has no embedded DNS.
  EXPECT_FALSE(dns::ResolveName(endpoints, user, "d", "other").known);
  EXPECT_FALSE(dns::ResolveName(endpoints, user, "nobody", "web").known);
}

// --link on a user network: the alias is the linker's alone, resolved to the
// linked container's address on a network they share; unknown names go to
// the asker's own --dns servers (IPv4 ones) when it has any.
TEST(DnsNamesTest, LinkAliasesAreTheLinkersAndItsDnsServersAreItsUpstreams) {
  EndpointRecord linker = Member("a", "client", {On("front", "10.1.0.2")});
  linker.dns_links = {{"b", "store"}, {"c", "cache"}};
  linker.dns.servers = {"fd00::53", "10.1.0.9"};
  std::map<std::string, EndpointRecord> endpoints = {
      {"a", linker},
      {"b", Member("b", "db", {On("front", "10.1.0.3")})},
      {"c", Member("c", "cache", {On("back", "10.2.0.4")})},
      {"d", Member("d", "other", {On("front", "10.1.0.5")})},
  };
  std::set<std::string> user = {"front", "back"};
  EXPECT_THAT(dns::ResolveName(endpoints, user, "a", "STORE").addresses, ElementsAre(0x0a010003));
  EXPECT_FALSE(dns::ResolveName(endpoints, user, "d", "store").known);
  // c shares no network with a: its alias is unknown, and goes upstream.
  dns::NameAnswer cache = dns::ResolveName(endpoints, user, "a", "cache");
  EXPECT_FALSE(cache.known);
  ASSERT_TRUE(cache.upstreams.has_value());
  EXPECT_THAT(*cache.upstreams, ElementsAre("10.1.0.9"));
  EXPECT_FALSE(dns::ResolveName(endpoints, user, "d", "nope").upstreams.has_value());
  EXPECT_FALSE(dns::ResolveName(endpoints, user, "a", "db").upstreams.has_value());
}

TEST(DnsFilesTest, EmbeddedResolvConfAndUpstreams) {
  const std::string host = "search corp.example\nnameserver 127.0.0.53\nnameserver 10.0.0.2\n";
  EXPECT_EQ(RenderEmbeddedResolvConf(host),
            "nameserver 127.0.0.11\nsearch corp.example\noptions ndots:0\n");
  EXPECT_THAT(UpstreamNameservers(host, {}), ElementsAre("10.0.0.2"));
  EXPECT_THAT(UpstreamNameservers(host, {"10.9.9.9"}), ElementsAre("10.9.9.9"));
}

// Sends `query` to 127.0.0.1:port and returns the reply ("" after 2 s).
std::string Ask(uint16_t port, const std::string& query) {
  fs::ScopedFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  timeval timeout{2, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::sendto(fd.get(), query.data(), query.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to));
  char buf[512];
  ssize_t n = ::recv(fd.get(), buf, sizeof(buf), 0);
  return n > 0 ? std::string(buf, n) : "";
}

// No usable upstream (a loopback nameserver is dropped), so an unknown name
// is SERVFAIL and nothing ever leaves the machine.
class EmbeddedDnsTest : public NetworkManagerTest {
 protected:
  void SetUp() override {
    NetworkManagerTest::SetUp();
    std::ofstream(config_.resolv_conf_source) << "nameserver 127.0.0.53\n";
    StartManager();
  }
};

TEST_F(EmbeddedDnsTest, ServesContainersOnUserNetworksAndFollowsConnect) {
  PrepareSysctls("bu1");
  CreateNetworkParams params;
  params.name = "front";
  params.subnet = "10.20.0.0/24";
  params.options = {{"com.docker.network.bridge.name", "bu1"}};
  ASSERT_TRUE(manager_->CreateNetwork(params).ok());
  AttachParams web = Bridge("c1");
  web.container_name = "web";
  web.network_mode = "front";
  web.aliases = {"www"};
  auto attached = manager_->Attach(web);
  ASSERT_TRUE(attached.ok()) << attached.status();
  EXPECT_EQ(attached->resolv_conf.rfind("nameserver 127.0.0.11\n", 0), 0u);
  AttachParams db = Bridge("c2");
  db.container_name = "db";
  db.network_mode = "front";
  ASSERT_TRUE(manager_->Attach(db).ok());
  ASSERT_TRUE(manager_->Attach(Bridge("c3")).ok());  // the default bridge: no DNS
  EXPECT_EQ(netns_.udp_ports.count(NetnsPath("c3")), 0u);
  EXPECT_THAT(kernel_.CallsStartingWith("netns OpenUdpSocket " + NetnsPath("c1")),
              ElementsAre("netns OpenUdpSocket " + NetnsPath("c1") + " 127.0.0.11:53"));

  const uint16_t c2_port = netns_.udp_ports[NetnsPath("c2")];
  std::string reply = Ask(c2_port, MakeQuery(42, "www", dns::kTypeA));
  ASSERT_GE(reply.size(), 16u);
  EXPECT_EQ(reply[7], 1);  // one answer
  EXPECT_EQ(reply.substr(reply.size() - 4), std::string("\x0a\x14\x00\x02", 4));
  // AAAA of a known name: NOERROR, no answer.
  reply = Ask(c2_port, MakeQuery(43, "web", dns::kTypeAaaa));
  ASSERT_GE(reply.size(), 12u);
  EXPECT_EQ(reply[3] & 0xf, 0);
  EXPECT_EQ(reply[7], 0);

  // c3 joins front: now it has DNS too; leaving it takes it away.
  PrepareSysctls(HostVethName("c3", 1));
  ASSERT_TRUE(manager_->Connect({"c3", {"front", {}, ""}}).ok());
  ASSERT_EQ(netns_.udp_ports.count(NetnsPath("c3")), 1u);
  reply = Ask(netns_.udp_ports[NetnsPath("c3")], MakeQuery(44, "db", dns::kTypeA));
  ASSERT_GE(reply.size(), 16u);
  EXPECT_EQ(reply.substr(reply.size() - 4), std::string("\x0a\x14\x00\x03", 4));
  // No upstream: an unknown name is SERVFAIL.
  reply = Ask(netns_.udp_ports[NetnsPath("c3")], MakeQuery(45, "nope", dns::kTypeA));
  ASSERT_GE(reply.size(), 12u);
  EXPECT_EQ(reply[3] & 0xf, dns::kRcodeServFail);
  ASSERT_TRUE(manager_->Disconnect("c3", "front").ok());
  EXPECT_EQ(Ask(netns_.udp_ports[NetnsPath("c3")], MakeQuery(46, "db", dns::kTypeA)), "");
  NETD_ASSERT_OK(manager_->Detach("c2"));
  EXPECT_EQ(Ask(c2_port, MakeQuery(47, "web", dns::kTypeA)), "");
}

TEST(DnsServerTest, UnknownNamesWithoutUpstreamAreServfailAndGarbageIsFormerr) {
  dns::DnsServer server([](const std::string&, const std::string&) { return dns::NameAnswer{}; },
                        {});
  bool forward = true;
  std::vector<std::string> upstreams;
  std::string reply =
      server.Answer("c1", MakeQuery(9, "example.invalid", dns::kTypeA), &forward, &upstreams);
  EXPECT_FALSE(forward);
  ASSERT_GE(reply.size(), 12u);
  EXPECT_EQ(reply[3] & 0xf, dns::kRcodeServFail);
  reply = server.Answer("c1", std::string("\x00\x09garbage", 9), &forward, &upstreams);
  EXPECT_EQ(reply[3] & 0xf, dns::kRcodeFormErr);
  dns::DnsServer forwarding(
      [](const std::string&, const std::string&) { return dns::NameAnswer{}; }, {"10.0.0.2"});
  EXPECT_EQ(forwarding.Answer("c1", MakeQuery(9, "example.invalid", dns::kTypeA), &forward,
                              &upstreams),
            "");
  EXPECT_TRUE(forward);  // decided only; nothing is sent by Answer
  EXPECT_THAT(upstreams, ElementsAre("10.0.0.2"));
}

// A container's own --dns servers replace netd's upstreams; when all of
// them are unusable (IPv6 only) the answer is SERVFAIL, not netd's servers.
TEST(DnsServerTest, TheContainersOwnServersReplaceNetdsUpstreams) {
  dns::DnsServer server(
      [](const std::string& id, const std::string&) {
        dns::NameAnswer answer;
        answer.upstreams = id == "own" ? std::vector<std::string>{"10.1.0.9"}
                                       : std::vector<std::string>{};
        return answer;
      },
      {"10.0.0.2"});
  bool forward = false;
  std::vector<std::string> upstreams;
  EXPECT_EQ(server.Answer("own", MakeQuery(9, "x.test", dns::kTypeA), &forward, &upstreams), "");
  EXPECT_TRUE(forward);
  EXPECT_THAT(upstreams, ElementsAre("10.1.0.9"));
  std::string reply =
      server.Answer("v6only", MakeQuery(9, "x.test", dns::kTypeA), &forward, &upstreams);
  EXPECT_FALSE(forward);
  ASSERT_GE(reply.size(), 12u);
  EXPECT_EQ(reply[3] & 0xf, dns::kRcodeServFail);
}

}  // namespace
}  // namespace berth::netd
