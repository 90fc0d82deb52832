// The host side of Berth's security floor, proved from inside busybox
// containers of a private stack: a container cannot reach the host's
// 127.0.0.1 even when it routes 127.0.0.0/8 to its gateway, cannot send from
// a neighbour's IP address, and ports published on 127.0.0.1 keep working
// for the host. Traffic goes only to 127.0.0.1, the stack's gateway and the
// containers' own addresses.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <regex>
#include <sstream>
#include <string>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/support/command.h"
#include "tests/e2e/support/stack.h"
#include "tests/e2e/support/stack_fixture.h"

namespace berth::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;


// A TCP listener on 127.0.0.1 that never answers; it only counts the
// connections that completed a handshake.
class LoopbackListener {
 public:
  LoopbackListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(fd_, 16) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ::close(fd_);
      fd_ = -1;
      return;
    }
    port_ = ntohs(addr.sin_port);
  }
  ~LoopbackListener() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return fd_ >= 0; }
  int port() const { return port_; }
  // Connections accepted so far (drains the queue).
  int Accepted() {
    int count = 0;
    for (int client; (client = ::accept(fd_, nullptr, nullptr)) >= 0;) {
      ::close(client);
      ++count;
    }
    return count;
  }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// A TCP port on 127.0.0.1 that is free right now.
int FreePort() {
  LoopbackListener probe;
  return probe.port();
}

class HostProtectionTest : public BusyboxStackTest {
 protected:
  void SetUp() override {
    BusyboxStackTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    // Containers run with every capability today; once capabilities are
    // trimmed, NET_ADMIN has to be asked for. Ask only if the stack accepts
    // the flag, so the test works on both sides of that change.
    CommandResult probe = stack_->Docker("run --rm --cap-add NET_ADMIN busybox true");
    net_admin_ = probe.exit_code == 0 ? "--cap-add NET_ADMIN " : "";
  }
  void TearDown() override { stack_.reset(); }

  CommandResult Docker(const std::string& args) { return stack_->Docker(args); }

  std::string Inspect(const std::string& name, const std::string& field) {
    return Trimmed(Docker("inspect -f '{{.NetworkSettings." + field + "}}' " + name).out);
  }

  // Waits until `name`'s logs contain `text`; false after ~10 s.
  bool WaitForLog(const std::string& name, const std::string& text) {
    for (int i = 0; i < 100; ++i) {
      if (Docker("logs " + name).out.find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  std::string net_admin_;
};

// CVE-2020-8558: the bridge needs route_localnet=1 for loopback publishing;
// without netd's guard a container routing 127.0.0.0/8 to its gateway would
// reach the host's loopback-only services.
TEST_F(HostProtectionTest, ContainerCannotReachTheHostsLoopback) {
  LoopbackListener listener;
  ASSERT_TRUE(listener.ok());
  const std::string port = std::to_string(listener.port());
  // route_localnet on the container's side too, so that without the guard
  // the handshake would complete (the SYN-ACK comes from 127.0.0.1).
  CommandResult run = Docker(
      "run --rm " + net_admin_ +
      "busybox sh -c '"
      "gw=$(ip route | awk \"/^default/ {print \\$3}\"); echo gw=$gw; "
      "sysctl -qw net.ipv4.conf.eth0.route_localnet=1 2>/dev/null; "
      "ip addr del 127.0.0.1/8 dev lo && ip route add 127.0.0.0/8 via $gw dev eth0 && "
      "ip route get 127.0.0.1; "
      "echo probe | timeout 5 nc -w 3 127.0.0.1 " + port + "; echo nc=$?'");
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  // The attack was really made: 127.0.0.1 went to the gateway over eth0.
  EXPECT_TRUE(std::regex_search(run.out, std::regex("127\\.0\\.0\\.1 via [0-9.]+ dev eth0")))
      << run.out << run.err;
  EXPECT_THAT(run.out, Not(HasSubstr("nc=0"))) << run.out;
  EXPECT_EQ(listener.Accepted(), 0);
}

TEST_F(HostProtectionTest, ContainerCannotSpoofANeighboursAddress) {
  ASSERT_EQ(Docker("run -d --name neighbour busybox sleep 1000").exit_code, 0);
  // The witness counts the echo requests it received once the sender says
  // it is done (a TCP connection on 7001 from the sender's own address).
  ASSERT_EQ(Docker("run -d --name witness busybox sh -c '"
                   "echo ready; nc -l -p 7001 >/dev/null; "
                   "grep ^Icmp: /proc/net/snmp; exec sleep 1000'")
                .exit_code,
            0);
  ASSERT_TRUE(WaitForLog("witness", "ready"));
  std::string neighbour_ip = Inspect("neighbour", "IPAddress");
  std::string witness_ip = Inspect("witness", "IPAddress");
  ASSERT_FALSE(neighbour_ip.empty());
  ASSERT_FALSE(witness_ip.empty());

  // Two honest pings (they also resolve the witness's MAC from the sender's
  // real addresses), then three from the neighbour's IP, then the signal.
  CommandResult sender = Docker(
      "run --rm " + net_admin_ + "busybox sh -c '"
      "ping -c 2 -W 2 " + witness_ip + " >/dev/null && echo honest-ok; "
      "ip addr add " + neighbour_ip + "/32 dev eth0 && echo spoofing; "
      "ping -c 3 -W 1 -I " + neighbour_ip + " " + witness_ip + " >/dev/null; "
      "sleep 1; nc -w 3 " + witness_ip + " 7001 </dev/null; true'");
  ASSERT_EQ(sender.exit_code, 0) << sender.err;
  ASSERT_THAT(sender.out, HasSubstr("honest-ok"));
  ASSERT_THAT(sender.out, HasSubstr("spoofing"));

  ASSERT_TRUE(WaitForLog("witness", "Icmp: ")) << Docker("logs witness").out;
  std::string logs = Docker("logs witness").out;
  // "Icmp: InMsgs InErrors InCsumErrors InDestUnreachs ... InEchos ...": the
  // header line names the columns of the value line after it.
  std::istringstream lines(logs.substr(logs.find("Icmp: ")));
  std::string header, values;
  std::getline(lines, header);
  std::getline(lines, values);
  std::istringstream names(header), numbers(values);
  std::string name, number;
  int in_echos = -1;
  while (names >> name && numbers >> number) {
    if (name == "InEchos") in_echos = std::stoi(number);
  }
  EXPECT_EQ(in_echos, 2) << logs;
  EXPECT_EQ(Docker("rm -f neighbour witness").exit_code, 0);
}

TEST_F(HostProtectionTest, PublishedPortsKeepWorking) {
  int port = FreePort();
  std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
  ASSERT_EQ(Docker("run -d --name loopweb -p 127.0.0.1:" + std::to_string(port) +
                   ":80 busybox httpd -f -p 80 -h /var/www")
                .exit_code,
            0);
  CommandResult curl;
  for (int i = 0; i < 50; ++i) {
    curl = stack_->Shell("curl -sS --max-time 2 " + url);
    if (curl.exit_code == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(curl.out, "hello from berth httpd\n") << curl.err;

  // A port published on the gateway's address, used by another container:
  // DNATed back into the bridge, which the forward chain lets through.
  std::string gateway = Inspect("loopweb", "Gateway");
  ASSERT_FALSE(gateway.empty());
  int gw_port = FreePort();
  ASSERT_EQ(Docker("run -d --name gwweb -p " + gateway + ":" + std::to_string(gw_port) +
                   ":80 busybox httpd -f -p 80 -h /var/www")
                .exit_code,
            0);
  // nc, not wget: the static busybox's wget crashes in glibc's resolver.
  CommandResult get = Docker("run --rm busybox sh -c 'for i in 1 2 3 4 5; do "
                             "printf \"GET / HTTP/1.0\\r\\n\\r\\n\" | nc -w 2 " + gateway + " " +
                             std::to_string(gw_port) + " && exit 0; sleep 0.3; done; exit 1'");
  EXPECT_EQ(get.exit_code, 0) << get.err;
  EXPECT_THAT(get.out, HasSubstr("\r\n\r\nhello from berth httpd\n")) << get.out;
  EXPECT_EQ(Docker("rm -f loopweb gwweb").exit_code, 0);
}

}  // namespace
}  // namespace berth::e2e
