// Root tests of the host's protection against its own containers, with the
// real ruleset loaded by a real NetworkManager: a container cannot reach the
// host's 127.0.0.1, cannot send from another container's addresses, and the
// bridge takes forwarded traffic only for connections that are established
// or DNATed. Each test also removes the one rule under test by hand and sees
// the attack succeed, so a test cannot pass because the attack was broken.
// Traffic goes only to 127.0.0.1 and to the namespaces the test made.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <prometheus/registry.h>
#include <sched.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
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
using testing::ReadFrom;
using testing::ReadFromNetns;
using testing::RunCommand;

// A UDP socket bound to ip:port, made inside the namespace at `netns_path`
// ("" = the host's). A socket belongs to the namespace it was created in,
// so the caller's thread can use it from anywhere. -1 on failure.
int UdpSocketIn(const std::string& netns_path, const std::string& ip, uint16_t port) {
  int result = -1;
  std::thread maker([&]() {
    if (!netns_path.empty()) {
      int ns = ::open(netns_path.c_str(), O_RDONLY | O_CLOEXEC);
      bool joined = ns >= 0 && ::setns(ns, CLONE_NEWNET) == 0;
      if (ns >= 0) ::close(ns);
      if (!joined) return;
    }
    int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    ::inet_pton(AF_INET, ip.c_str(), &addr.sin_addr);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      ::close(fd);
      return;
    }
    result = fd;
  });
  maker.join();
  return result;
}

uint16_t LocalPort(int fd) {
  sockaddr_in addr{};
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  return ntohs(addr.sin_port);
}

void SendTo(int fd, const std::string& ip, uint16_t port, const std::string& payload) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  ::inet_pton(AF_INET, ip.c_str(), &addr.sin_addr);
  ::sendto(fd, payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&addr),
           sizeof(addr));
}

// Every datagram that arrives on `fd` within `ms`, concatenated.
std::string Received(int fd, int ms = 700) {
  std::string all;
  for (;;) {
    pollfd pfd{fd, POLLIN, 0};
    if (::poll(&pfd, 1, ms) <= 0) return all;
    char buf[256];
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n > 0) all.append(buf, n);
  }
}

// Sends one ARP request for `target_ip` out of eth0 of the namespace at
// `netns_path`, claiming to be `sender_ip` at `sender_mac`: how a container
// poisons a neighbour's ARP cache. False if the frame could not be sent.
bool SendArpRequest(const std::string& netns_path, const std::string& sender_mac,
                    const std::string& sender_ip, const std::string& target_ip) {
  bool sent = false;
  std::thread sender([&]() {
    int ns = ::open(netns_path.c_str(), O_RDONLY | O_CLOEXEC);
    bool joined = ns >= 0 && ::setns(ns, CLONE_NEWNET) == 0;
    if (ns >= 0) ::close(ns);
    if (!joined) return;
    int fd = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ARP));
    if (fd < 0) return;
    unsigned char mac[6];
    std::sscanf(sender_mac.c_str(), "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1], &mac[2],
                &mac[3], &mac[4], &mac[5]);
    unsigned char frame[42] = {};
    std::memset(frame, 0xff, 6);                              // broadcast
    std::memcpy(frame + 6, mac, 6);                           // ether saddr
    frame[12] = 0x08, frame[13] = 0x06;                       // ARP
    const unsigned char header[] = {0, 1, 8, 0, 6, 4, 0, 1};  // Ethernet/IPv4, request
    std::memcpy(frame + 14, header, sizeof(header));
    std::memcpy(frame + 22, mac, 6);  // sender MAC
    ::inet_pton(AF_INET, sender_ip.c_str(), frame + 28);
    ::inet_pton(AF_INET, target_ip.c_str(), frame + 38);
    sockaddr_ll addr{};
    addr.sll_family = AF_PACKET;
    addr.sll_ifindex = static_cast<int>(::if_nametoindex("eth0"));
    addr.sll_halen = 6;
    std::memset(addr.sll_addr, 0xff, 6);
    sent = ::sendto(fd, frame, sizeof(frame), 0, reinterpret_cast<sockaddr*>(&addr),
                    sizeof(addr)) == sizeof(frame);
    ::close(fd);
  });
  sender.join();
  return sent;
}

struct ScopedFd {
  explicit ScopedFd(int fd) : fd(fd) {}
  ~ScopedFd() {
    if (fd >= 0) ::close(fd);
  }
  int fd;
};

class HostProtectionTest : public testing::NetdManagerFixture {
 protected:
  HostProtectionTest() : NetdManagerFixture({"bth", 150, "berth_h", "/tmp/netd-hp-"}) {}

  void TearDown() override {
    if (!outside_ns_.empty()) RunCommand("ip netns del " + outside_ns_);
    NetdManagerFixture::TearDown();
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

  std::string In(const EndpointRecord& ep, const std::string& command) {
    return RunCommand(absl::StrCat("nsenter --net=", ep.netns_path, " ", command));
  }

  std::string Nft(const std::string& command) { return RunCommand("nft " + command); }

  std::string outside_ns_;
};

// CVE-2020-8558: the bridge has route_localnet=1 (loopback publishing needs
// it), so a container that routes 127.0.0.0/8 to its gateway would reach the
// host's loopback services without the guard chain.
TEST_F(HostProtectionTest, ContainerCannotReachTheHostsLoopback) {
  EXPECT_EQ(RunCommand("cat /proc/sys/net/ipv4/conf/" + config_.bridge + "/route_localnet"),
            "1\n");
  EndpointRecord ep = Attach("lo");
  // What a container with CAP_NET_ADMIN can do to its own namespace.
  ASSERT_EQ(In(ep, "ip addr del 127.0.0.1/8 dev lo"), "");
  ASSERT_EQ(In(ep, "ip route add 127.0.0.0/8 via " + ep.primary().gateway + " dev eth0"), "");

  ScopedFd host(UdpSocketIn("", "127.0.0.1", 0));
  ASSERT_GE(host.fd, 0);
  ScopedFd container(UdpSocketIn(ep.netns_path, "0.0.0.0", 0));
  ASSERT_GE(container.fd, 0);
  SendTo(container.fd, "127.0.0.1", LocalPort(host.fd), "guarded");
  EXPECT_EQ(Received(host.fd), "");

  // Without the guard the same datagram arrives: the test sees the attack.
  Nft("flush chain ip " + config_.nft_table + " guard");
  SendTo(container.fd, "127.0.0.1", LocalPort(host.fd), "unguarded");
  EXPECT_EQ(Received(host.fd), "unguarded");

  // A restart reconciles the table and the guard is back.
  StartManager();
  SendTo(container.fd, "127.0.0.1", LocalPort(host.fd), "guarded again");
  EXPECT_EQ(Received(host.fd), "");
}

TEST_F(HostProtectionTest, LoopbackPublishedPortStillAnswersOnTheHostOnly) {
  EndpointRecord server = Attach("web", {{"tcp", "127.0.0.1", 0, 8080}});
  ASSERT_EQ(server.ports.size(), 1u);
  uint16_t port = server.ports[0].host_port;
  NetnsGreeter greeter;
  ASSERT_TRUE(greeter.Start(server.netns_path, 8080).ok());
  EXPECT_EQ(ReadFrom("127.0.0.1", port), "hello from the netns\n");
  // A container that routes 127.0.0.0/8 to its gateway is stopped by the
  // guard chain; with the guard gone it is still not DNATed to the port,
  // because the DNAT for a loopback-published port is in output only (the
  // host's reservation socket answers with a reset instead).
  EndpointRecord client = Attach("cli");
  ASSERT_EQ(In(client, "ip addr del 127.0.0.1/8 dev lo"), "");
  ASSERT_EQ(In(client, "ip route add 127.0.0.0/8 via " + client.primary().gateway + " dev eth0"), "");
  // The client accepts replies from 127.0.0.1, as it would if the DNAT
  // happened, so only the missing DNAT can stop it.
  ASSERT_EQ(In(client, "sysctl -qw net.ipv4.conf.eth0.route_localnet=1"), "");
  Nft("flush chain ip " + config_.nft_table + " guard");
  EXPECT_NE(ReadFromNetns(client.netns_path, "127.0.0.1", port), "hello from the netns\n");
  std::string prerouting = Nft("list chain ip " + config_.nft_table + " prerouting");
  EXPECT_EQ(prerouting.find("dport " + std::to_string(port)), std::string::npos) << prerouting;
  EXPECT_EQ(ReadFrom("127.0.0.1", port), "hello from the netns\n");

  // With the DNAT in prerouting, as netd had it, the client gets in: the
  // test sees the attack.
  Nft(absl::StrCat("add rule ip ", config_.nft_table, " prerouting ip daddr 127.0.0.1 tcp dport ",
                   port, " dnat to ", server.primary().ip_address, ":8080"));
  EXPECT_EQ(ReadFromNetns(client.netns_path, "127.0.0.1", port), "hello from the netns\n");
}

TEST_F(HostProtectionTest, ContainerCannotSendFromANeighboursAddresses) {
  EndpointRecord a = Attach("a");
  EndpointRecord b = Attach("b");
  EndpointRecord c = Attach("c");
  ScopedFd listener(UdpSocketIn(c.netns_path, "0.0.0.0", 0));
  ASSERT_GE(listener.fd, 0);
  uint16_t port = LocalPort(listener.fd);

  // B's own address works, and teaches B the MAC of C (the ARP exchange
  // would carry B's real addresses, so the spoofed sends below need it).
  ScopedFd honest(UdpSocketIn(b.netns_path, b.primary().ip_address, 0));
  SendTo(honest.fd, c.primary().ip_address, port, "honest");
  EXPECT_EQ(Received(listener.fd), "honest");

  // Also to the gateway (the host's own stack), whose MAC B learns first.
  ScopedFd on_gateway(UdpSocketIn("", b.primary().gateway, 0));
  ASSERT_GE(on_gateway.fd, 0);
  SendTo(honest.fd, b.primary().gateway, LocalPort(on_gateway.fd), "honest");
  EXPECT_EQ(Received(on_gateway.fd), "honest");

  // B takes A's IP as a second address and sends from it.
  ASSERT_EQ(In(b, "ip addr add " + a.primary().ip_address + "/32 dev eth0"), "");
  ScopedFd spoofed(UdpSocketIn(b.netns_path, a.primary().ip_address, 0));
  ASSERT_GE(spoofed.fd, 0);
  SendTo(spoofed.fd, c.primary().ip_address, port, "spoofed-ip");
  EXPECT_EQ(Received(listener.fd), "");
  SendTo(spoofed.fd, b.primary().gateway, LocalPort(on_gateway.fd), "spoofed-ip");
  EXPECT_EQ(Received(on_gateway.fd), "");

  // B takes A's MAC and sends from its own IP.
  ASSERT_EQ(In(b, "ip link set eth0 down"), "");
  ASSERT_EQ(In(b, "ip link set eth0 address " + a.primary().mac_address), "");
  ASSERT_EQ(In(b, "ip link set eth0 up"), "");
  ASSERT_EQ(In(b, "ip neigh replace " + c.primary().ip_address + " lladdr " + c.primary().mac_address +
                      " dev eth0 nud permanent"),
            "");
  SendTo(honest.fd, c.primary().ip_address, port, "spoofed-mac");
  EXPECT_EQ(Received(listener.fd), "");

  // Without B's guard both spoofs pass: the test sees the attacks.
  std::string table = config_.nft_table;
  Nft("flush chain bridge " + table + " ports");
  SendTo(honest.fd, c.primary().ip_address, port, "mac-unguarded");
  EXPECT_EQ(Received(listener.fd), "mac-unguarded");
  ASSERT_EQ(In(b, "ip link set eth0 down"), "");
  ASSERT_EQ(In(b, "ip link set eth0 address " + b.primary().mac_address), "");
  ASSERT_EQ(In(b, "ip link set eth0 up"), "");
  ASSERT_EQ(In(b, "ip neigh replace " + c.primary().ip_address + " lladdr " + c.primary().mac_address +
                      " dev eth0 nud permanent"),
            "");
  SendTo(spoofed.fd, c.primary().ip_address, port, "ip-unguarded");
  EXPECT_EQ(Received(listener.fd), "ip-unguarded");
}

TEST_F(HostProtectionTest, ContainerCannotPoisonANeighboursArpCache) {
  EndpointRecord a = Attach("arpa");
  EndpointRecord b = Attach("arpb");
  EndpointRecord c = Attach("arpc");
  const std::string neigh = "ip neigh show " + a.primary().ip_address + " dev eth0";
  // B claims A's IP with B's own MAC (the MAC check passes; the ARP sender
  // IP does not).
  ASSERT_TRUE(SendArpRequest(b.netns_path, b.primary().mac_address, a.primary().ip_address, c.primary().ip_address));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(In(c, neigh).find(b.primary().mac_address), std::string::npos) << In(c, neigh);

  // Without the port rules C learns A's IP at B's MAC: the test sees it.
  Nft("flush chain bridge " + config_.nft_table + " ports");
  ASSERT_TRUE(SendArpRequest(b.netns_path, b.primary().mac_address, a.primary().ip_address, c.primary().ip_address));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_NE(In(c, neigh).find(b.primary().mac_address), std::string::npos) << In(c, neigh);
}

TEST_F(HostProtectionTest, PortRulesFollowAttachAndDetachAndRaIsOff) {
  EndpointRecord ep = Attach("ra");
  EXPECT_EQ(RunCommand("cat /proc/sys/net/ipv6/conf/" + config_.bridge + "/accept_ra"), "0\n");
  EXPECT_EQ(RunCommand("cat /proc/sys/net/ipv6/conf/" + ep.primary().host_veth + "/accept_ra"), "0\n");
  // The kernel parsed the rules as rendered (nft lists them back).
  std::string ports = Nft("list chain bridge " + config_.nft_table + " ports");
  EXPECT_NE(ports.find("icmpv6 type nd-router-advert drop"), std::string::npos) << ports;
  EXPECT_NE(ports.find("iifname \"" + ep.primary().host_veth + "\" ether saddr " + ep.primary().mac_address +
                       " ip saddr " + ep.primary().ip_address + " accept"),
            std::string::npos)
      << ports;
  // Detach removes the port's rules with the port.
  ASSERT_TRUE(manager_->Detach(absl::StrCat("ra", ::getpid())).ok());
  ports = Nft("list chain bridge " + config_.nft_table + " ports");
  EXPECT_EQ(ports.find(ep.primary().host_veth), std::string::npos) << ports;
}

// Another network (an "outside" namespace routed through the host, like
// another stack's bridge or the LAN) reaches containers only through a
// published port, never their addresses directly.
TEST_F(HostProtectionTest, ForwardingIntoTheBridgeOnlyForDnatOrReplies) {
  EndpointRecord server = Attach("srv", {{"tcp", "", 0, 8080}});
  ASSERT_EQ(server.ports.size(), 1u);
  NetnsGreeter greeter;
  ASSERT_TRUE(greeter.Start(server.netns_path, 8080).ok());

  int pid = ::getpid();
  outside_ns_ = absl::StrCat("bthout", pid);
  std::string host_if = absl::StrCat("bho", pid % 100000);
  std::string net = absl::StrFormat("10.251.%d", pid % 250);
  ASSERT_EQ(RunCommand("ip netns add " + outside_ns_), "");
  ASSERT_EQ(RunCommand(absl::StrCat("ip link add ", host_if, " type veth peer name eth0 netns ",
                                    outside_ns_)),
            "");
  ASSERT_EQ(RunCommand(absl::StrCat("ip addr add ", net, ".1/30 dev ", host_if, " && ip link set ",
                                    host_if, " up")),
            "");
  std::string in_outside = "ip netns exec " + outside_ns_ + " ";
  ASSERT_EQ(RunCommand(absl::StrCat(in_outside, "ip addr add ", net, ".2/30 dev eth0 && ",
                                    in_outside, "ip link set eth0 up && ", in_outside,
                                    "ip link set lo up && ", in_outside, "ip route add ",
                                    config_.subnet, " via ", net, ".1")),
            "");
  std::string outside_path = "/run/netns/" + outside_ns_;

  // Direct to the container's address: dropped in forward.
  EXPECT_NE(ReadFromNetns(outside_path, server.primary().ip_address, 8080), "hello from the netns\n");
  // Through the published port on the host's address: DNATed, forwarded.
  EXPECT_EQ(ReadFromNetns(outside_path, net + ".1", server.ports[0].host_port),
            "hello from the netns\n");
  // Without the forward rules the direct path opens: the test sees it.
  Nft("flush chain ip " + config_.nft_table + " forward");
  EXPECT_EQ(ReadFromNetns(outside_path, server.primary().ip_address, 8080), "hello from the netns\n");
}

}  // namespace
}  // namespace berth::netd
