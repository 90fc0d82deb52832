// Published ports and network modes end to end (issue 11), through the
// docker CLI, docker-py and berth against a private stack: -P publishes every
// exposed port (image EXPOSE and --expose) on a free host port and
// `docker port` lists them (UDP too); ranges; a taken host port is refused;
// --network host keeps the host's namespace and files;
// --network container:X shares X's; --dns*, --add-host, --mac-address and
// --link land in the container's files; UDP through a published port and
// hairpin; the embedded DNS's per-container upstreams and --link aliases on
// user networks; a host port range for one container port; a per-endpoint
// MAC over REST. Traffic goes only to 127.0.0.0/8,
// the stack's own bridge and containers; no name outside Berth is resolved.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/support/command.h"
#include "tests/e2e/support/stack.h"
#include "tests/e2e/support/stack_fixture.h"

namespace berth::e2e {
namespace {

using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

template <typename... T>
std::string Cat(const T&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  return out.str();
}

// Two consecutive free TCP ports on 127.0.0.1 (for a range), found by binding.
int FreePortPair() {
  for (int attempt = 0; attempt < 50; ++attempt) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    socklen_t len = sizeof(addr);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    const int port = ntohs(addr.sin_port);
    int next = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in second = addr;
    second.sin_port = htons(port + 1);
    const bool free = port < 65535 &&
                      ::bind(next, reinterpret_cast<sockaddr*>(&second), sizeof(second)) == 0;
    ::close(next);
    ::close(fd);
    if (free) return port;
  }
  return 0;
}

// An HTTP GET from the host with curl (loopback only).
std::string HttpGet(const Stack& stack, int port) {
  return stack.Shell(Cat("curl -sS --max-time 3 http://127.0.0.1:", port, "/")).out;
}

// One UDP datagram from the host to ip:port and the reply, or "" after 3 s.
std::string UdpExchange(const Stack& stack, const std::string& ip, int port,
                        const std::string& payload) {
  return stack
      .Shell(Cat("python3 -c 'import socket; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); "
                 "s.settimeout(3); s.sendto(b\"", payload, "\",(\"", ip, "\",", port,
                 ")); print(s.recv(512).decode())' 2>/dev/null"))
      .out;
}

// The static UDP echo / DNS responder (tests/e2e/support/udp_responder.cc),
// bind-mounted read-only at /udp.
std::string ResponderMount() {
  return "-v " + Stack::BuildDir() + "/tests/e2e/e2e-udp-responder:/udp:ro";
}

// The host's first global IPv4 address outside Berth's and Docker's bridges
// (where the published port also answers), or "".
std::string HostGlobalAddress(const Stack& stack) {
  return Trimmed(stack
                     .Shell("ip -4 -o addr show scope global | "
                            "grep -Ev ' (bt|br-|docker|vb)[^ ]* ' | "
                            "awk '{print $4}' | cut -d/ -f1 | head -1")
                     .out);
}

class NetworkModesTest : public BusyboxStackTest {
 protected:
  void TearDown() override {
    if (stack_ != nullptr) {
      for (const std::string& name : containers_) Docker("rm -f " + name);
      for (const std::string& name : networks_) Docker("network rm " + name);
    }
    BusyboxStackTest::TearDown();
  }

  CommandResult Docker(const std::string& args) { return stack_->Docker(args); }

  // `docker run -d --name NAME ARGS`, removed at the end.
  void RunDetached(const std::string& name, const std::string& args) {
    containers_.push_back(name);
    CommandResult run = Docker(Cat("run -d --name ", name, " ", args));
    ASSERT_EQ(run.exit_code, 0) << run.err;
  }

  std::string Inspect(const std::string& container, const std::string& format) {
    return Trimmed(Docker(Cat("inspect -f '", format, "' ", container)).out);
  }

  // The host port `docker port` shows for `port` ("80/tcp"), or 0.
  int HostPort(const std::string& container, const std::string& port) {
    const std::string out = Trimmed(Docker(Cat("port ", container, " ", port)).out);
    const size_t colon = out.rfind(':');
    return colon == std::string::npos ? 0 : std::atoi(out.c_str() + colon + 1);
  }

  // An httpd answering `body` on `port` inside the container.
  static std::string Httpd(const std::string& body, int port = 80) {
    return Cat("sh -c 'mkdir -p /tmp/w", port, " && echo ", body, " > /tmp/w", port,
               "/index.html && httpd -f -p ", port, " -h /tmp/w", port, "'");
  }

  std::vector<std::string> containers_;
  std::vector<std::string> networks_;
};

TEST_F(NetworkModesTest, PublishAllRangesAndTakenPorts) {
  // An image that EXPOSEs 80 (built here), run with -P and one more --expose.
  const std::string ctx = stack_->root() + "/exposer";
  ASSERT_EQ(stack_->Shell("mkdir -p " + ctx + " && printf 'FROM busybox\\nEXPOSE 80\\n' > " +
                          ctx + "/Dockerfile")
                .exit_code,
            0);
  CommandOptions legacy;
  legacy.env["DOCKER_BUILDKIT"] = "0";
  CommandResult built = stack_->Docker("build -q -t exposer " + ctx, legacy);
  ASSERT_EQ(built.exit_code, 0) << built.err;

  RunDetached("pall", "-P --expose 81/udp exposer sh -c "
                      "'mkdir /w && echo from-pall > /w/index.html && "
                      "exec httpd -f -p 80 -h /w'");
  CommandResult listed = Docker("port pall");
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_THAT(listed.out, ContainsRegex("(^|\n)80/tcp -> 0\\.0\\.0\\.0:[0-9]+\n"));
  EXPECT_THAT(listed.out, ContainsRegex("(^|\n)81/udp -> 0\\.0\\.0\\.0:[0-9]+\n"));
  const int http_port = HostPort("pall", "80/tcp");
  const int udp_port = HostPort("pall", "81/udp");
  ASSERT_GT(http_port, 0);
  ASSERT_GT(udp_port, 0);
  EXPECT_NE(http_port, udp_port);
  EXPECT_THAT(HttpGet(*stack_, http_port), HasSubstr("from-pall"));
  // PublishAllPorts in inspect, and the same ports as docker port.
  EXPECT_EQ(Inspect("pall", "{{.HostConfig.PublishAllPorts}}"), "true");
  EXPECT_EQ(Inspect("pall", "{{(index (index .NetworkSettings.Ports \"80/tcp\") 0).HostPort}}"),
            std::to_string(http_port));

  // UDP through a published port and hairpin: UdpRoundTripAndHairpin below.

  // A range: two container ports on two consecutive host ports.
  const int base = FreePortPair();
  ASSERT_GT(base, 0);
  RunDetached("ranged", Cat("-p 127.0.0.1:", base, "-", base + 1, ":80-81 busybox sh -c "
                            "'mkdir /a /b && echo port-a > /a/index.html && echo port-b > "
                            "/b/index.html && httpd -p 80 -h /a && httpd -f -p 81 -h /b'"));
  EXPECT_EQ(Trimmed(Docker("port ranged 81").out), Cat("127.0.0.1:", base + 1));
  EXPECT_THAT(HttpGet(*stack_, base), HasSubstr("port-a"));
  EXPECT_THAT(HttpGet(*stack_, base + 1), HasSubstr("port-b"));
  CommandResult ps = Docker("ps --filter name=ranged --format '{{.Ports}}'");
  EXPECT_THAT(ps.out, HasSubstr(Cat("127.0.0.1:", base, "->80/tcp")));
  EXPECT_THAT(ps.out, HasSubstr(Cat("127.0.0.1:", base + 1, "->81/tcp")));

  // A host port already published, and one a host program holds: refused.
  containers_.push_back("clash");
  CommandResult clash = Docker(Cat("run -d --name clash -p 127.0.0.1:", base, ":80 busybox true"));
  EXPECT_NE(clash.exit_code, 0);
  EXPECT_THAT(clash.err, HasSubstr(Cat("Bind for 127.0.0.1:", base,
                                       " failed: port is already allocated")));
  containers_.push_back("clash2");
  const std::string held_file = stack_->root() + "/held";
  const std::string holder =
      Cat("python3 -c 'import socket,time; s=socket.socket(); s.bind((\"127.0.0.1\",0)); "
          "s.listen(); print(s.getsockname()[1], flush=True); time.sleep(30)' > ",
          held_file, " 2>&1 & echo $! > ", held_file, ".pid; for i in 1 2 3 4 5 6 7 8 9 10; do "
          "test -s ", held_file, " && break; sleep 0.3; done; cat ", held_file);
  const std::string held = Trimmed(stack_->Shell(holder).out);
  const std::string holder_pid = Trimmed(ReadFileText(held_file + ".pid"));
  ASSERT_FALSE(held.empty());
  CommandResult taken = Docker(Cat("run -d --name clash2 -p 127.0.0.1:", held, ":80 busybox true"));
  if (!holder_pid.empty()) stack_->Shell("kill " + holder_pid);
  EXPECT_NE(taken.exit_code, 0);
  EXPECT_THAT(taken.err, HasSubstr(Cat("Bind for 127.0.0.1:", held,
                                       " failed: port is already allocated")));
}

TEST_F(NetworkModesTest, HostModeKeepsTheHostsNamespaceAndFiles) {
  containers_.push_back("hostmode");
  CommandResult run =
      Docker("run --name hostmode --network host -p 8080:80 busybox sh -c "
             "'ip -o link show; echo ---; cat /etc/hosts; echo ---; cat /etc/resolv.conf; "
             "echo ---; hostname'");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.err,
              HasSubstr("WARNING: Published ports are discarded when using host network mode"));
  // The stack's own bridge is one of the host's interfaces.
  EXPECT_THAT(run.out, HasSubstr(stack_->bridge()));
  std::vector<std::string> parts;
  std::string out = run.out;
  for (size_t at; (at = out.find("---\n")) != std::string::npos; out = out.substr(at + 4)) {
    parts.push_back(out.substr(0, at));
  }
  parts.push_back(out);
  ASSERT_EQ(parts.size(), 4u) << run.out;
  EXPECT_EQ(parts[1], ReadFileText("/etc/hosts"));
  EXPECT_EQ(parts[2], ReadFileText("/etc/resolv.conf"));
  char host[256] = {};
  ::gethostname(host, sizeof(host) - 1);
  EXPECT_EQ(Trimmed(parts[3]), host);
  EXPECT_EQ(Inspect("hostmode", "{{.HostConfig.NetworkMode}}"), "host");
  // Nothing is published and nothing is left once it is gone.
  EXPECT_EQ(Trimmed(Docker("port hostmode").out), "");
  ASSERT_EQ(Docker("rm hostmode").exit_code, 0);
  EXPECT_EQ(Trimmed(stack_->Shell("ls -A " + stack_->root() + "/run/netd/netns/").out), ".host");
}

TEST_F(NetworkModesTest, ContainerModeSharesTheOthersNamespace) {
  RunDetached("owner", "busybox " + Httpd("from-owner"));
  const std::string owner_ip = Inspect("owner", "{{.NetworkSettings.IPAddress}}");
  ASSERT_FALSE(owner_ip.empty());
  const std::string owner_host = Inspect("owner", "{{.Config.Hostname}}");

  // Its interfaces, its localhost, its hostname and /etc/hosts.
  CommandResult joined = Docker(
      "run --rm --network container:owner busybox sh -c \"ip -o -4 addr show eth0; hostname; "
      "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 127.0.0.1 80; cat /etc/hosts\"");
  ASSERT_EQ(joined.exit_code, 0) << joined.err;
  EXPECT_THAT(joined.out, HasSubstr(owner_ip + "/"));
  EXPECT_THAT(joined.out, HasSubstr("\n" + owner_host + "\n"));
  EXPECT_THAT(joined.out, HasSubstr("from-owner"));
  EXPECT_THAT(joined.out, HasSubstr(owner_ip + "\t" + owner_host));

  // Docker's refusals: own ports/hostname, a stopped or unknown container.
  CommandResult ports = Docker("run --rm --network container:owner -p 80 busybox true");
  EXPECT_NE(ports.exit_code, 0);
  EXPECT_THAT(ports.err, HasSubstr("conflicting options: port publishing and the container type "
                                   "network mode"));
  CommandResult name = Docker("run --rm --network container:owner --hostname x busybox true");
  EXPECT_NE(name.exit_code, 0);
  EXPECT_THAT(name.err, HasSubstr("conflicting options: hostname and the network mode"));
  CommandResult unknown = Docker("run --rm --network container:nosuchowner busybox true");
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_THAT(unknown.err, HasSubstr("No such container: nosuchowner"));
  const std::string owner_id = Inspect("owner", "{{.Id}}");
  ASSERT_EQ(Docker("stop -t 1 owner").exit_code, 0);
  CommandResult stopped = Docker("run --rm --network container:owner busybox true");
  EXPECT_NE(stopped.exit_code, 0);
  EXPECT_THAT(stopped.err,
              HasSubstr("cannot join network of a non running container: " + owner_id));
}

TEST_F(NetworkModesTest, DnsHostsMacAndLinksLandInTheContainersFiles) {
  RunDetached("linked", "busybox sleep 300");
  const std::string linked_ip = Inspect("linked", "{{.NetworkSettings.IPAddress}}");
  const std::string linked_host = Inspect("linked", "{{.Config.Hostname}}");
  ASSERT_FALSE(linked_ip.empty());
  containers_.push_back("dnsuser");
  CommandResult run = Docker(
      "run --name dnsuser --dns 192.0.2.53 --dns-search corp.test --dns-option ndots:3 "
      "--add-host db.local:10.9.8.7 --add-host gw:host-gateway "
      "--link linked:store busybox sh -c "
      "'cat /etc/resolv.conf /etc/hosts; ping -c1 -W3 store'");
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_THAT(run.out, HasSubstr("nameserver 192.0.2.53\n"));
  EXPECT_THAT(run.out, HasSubstr("search corp.test\n"));
  EXPECT_THAT(run.out, HasSubstr("options ndots:3\n"));
  EXPECT_THAT(run.out, HasSubstr("10.9.8.7\tdb.local\n"));
  const std::string gateway = Inspect("linked", "{{.NetworkSettings.Gateway}}");
  EXPECT_THAT(run.out, HasSubstr(gateway + "\tgw\n"));
  EXPECT_THAT(run.out, HasSubstr(linked_ip + "\tstore " + linked_host + " linked\n"));
  // (The docker CLI sends --mac-address only to API 1.44+ daemons; berth
  // and docker-py cover it below.)
  EXPECT_THAT(run.out, HasSubstr("1 packets received"));
  EXPECT_EQ(Inspect("dnsuser", "{{.HostConfig.Dns}} {{.HostConfig.DnsSearch}} "
                               "{{.HostConfig.ExtraHosts}}"),
            "[192.0.2.53] [corp.test] [db.local:10.9.8.7 gw:host-gateway]");

  // On a user network: the embedded server stays, search and options follow.
  const std::string net = Cat("dnsnet", ::getpid());
  networks_.push_back(net);
  ASSERT_EQ(Docker(Cat("network create --subnet 10.", 200 + ::getpid() % 20, ".",
                       ::getpid() % 250, ".0/24 ", net))
                .exit_code,
            0);
  CommandResult user = Docker("run --rm --network " + net +
                              " --dns-search corp.test --dns-option timeout:2 busybox "
                              "cat /etc/resolv.conf");
  EXPECT_EQ(user.out, "nameserver 127.0.0.11\nsearch corp.test\noptions timeout:2 ndots:0\n")
      << user.err;

  // A link to a stopped container is refused with Docker's text.
  ASSERT_EQ(Docker("stop -t 1 linked").exit_code, 0);
  CommandResult stale = Docker("run --rm --link linked:store busybox true");
  EXPECT_NE(stale.exit_code, 0);
  EXPECT_THAT(stale.err, HasSubstr("Cannot link to a non running container: /linked AS"));
}

// The berth CLI over gRPC: -P and berth port, --network host and
// container:, --dns and --add-host.
TEST_F(NetworkModesTest, BerthCliPublishesAllAndSetsModesAndFiles) {
  containers_ = {"bpall", "bhost"};
  CommandResult run = stack_->Berth("run -d --name bpall -P --expose 80 busybox " +
                                    Httpd("from-berth"));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  CommandResult port = stack_->Berth("port bpall");
  ASSERT_EQ(port.exit_code, 0) << port.err;
  EXPECT_THAT(port.out, MatchesRegex("80/tcp -> 0\\.0\\.0\\.0:[0-9]+\n"));
  const int host_port = std::atoi(Trimmed(stack_->Berth("port bpall 80").out).substr(8).c_str());
  EXPECT_THAT(HttpGet(*stack_, host_port), HasSubstr("from-berth"));
  CommandResult missing = stack_->Berth("port bpall 81/udp");
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_THAT(missing.err, HasSubstr("No public port '81/udp' published for bpall"));

  CommandResult host = stack_->Berth("run --rm --network host busybox ip -o link show");
  EXPECT_EQ(host.exit_code, 0) << host.err;
  EXPECT_THAT(host.out, HasSubstr(stack_->bridge()));
  CommandResult joined =
      stack_->Berth("run --rm --network container:bpall busybox sh -c "
                    "\"printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 127.0.0.1 80\"");
  EXPECT_THAT(joined.out, HasSubstr("from-berth")) << joined.err;
  CommandResult files = stack_->Berth(
      "run --rm --dns 192.0.2.54 --add-host api.local:10.1.1.1 --mac-address 02:42:ac:11:fe:01 "
      "busybox cat /etc/resolv.conf /etc/hosts /sys/class/net/eth0/address");
  EXPECT_THAT(files.out, HasSubstr("nameserver 192.0.2.54\n")) << files.err;
  EXPECT_THAT(files.out, HasSubstr("10.1.1.1\tapi.local\n"));
  EXPECT_THAT(files.out, HasSubstr("02:42:ac:11:fe:01\n"));
}

// docker-py: publish_all_ports, ports, network_mode container:/host, dns,
// extra_hosts.
TEST_F(NetworkModesTest, DockerPyPortsModesAndDns) {
  containers_ = {"pyports"};
  const std::string script = R"PY(
import sys
import docker
client = docker.from_env(timeout=60)
def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        sys.exit(1)
c = client.containers.run("busybox", ["sh", "-c", "mkdir /w; echo py > /w/index.html; httpd -f -p 80 -h /w"],
                          name="pyports", detach=True, ports={"80/tcp": None}, publish_all_ports=True)
c.reload()
bindings = c.attrs["NetworkSettings"]["Ports"]["80/tcp"]
check(bindings and int(bindings[0]["HostPort"]) > 0, "a host port for 80/tcp: %r" % bindings)
check(client.api.port(c.id, 80)[0]["HostPort"] == bindings[0]["HostPort"], "api.port agrees")
out = client.containers.run("busybox", ["cat", "/etc/resolv.conf", "/etc/hosts", "/sys/class/net/eth0/address"],
                            remove=True, dns=["192.0.2.55"], extra_hosts={"py.local": "10.2.2.2"},
                            mac_address="02:42:ac:11:fe:02")
check(b"nameserver 192.0.2.55" in out and b"10.2.2.2\tpy.local" in out, "dns and extra_hosts: %r" % out)
check(b"02:42:ac:11:fe:02" in out, "mac_address: %r" % out)
out = client.containers.run("busybox", ["sh", "-c", "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 127.0.0.1 80"],
                            remove=True, network_mode="container:pyports")
check(b"py" in out, "container: mode reaches the other's localhost: %r" % out)
out = client.containers.run("busybox", ["hostname"], remove=True, network_mode="host")
import socket
check(out.strip().decode() == socket.gethostname(), "host mode hostname: %r" % out)
c.remove(force=True)
)PY";
  const std::string path = stack_->root() + "/modes_flow.py";
  ASSERT_EQ(stack_->Shell("cat > " + path + " <<'EOF'\n" + script + "\nEOF\n").exit_code, 0);
  CommandResult flow = stack_->Shell("/usr/bin/python3 " + path);
  EXPECT_EQ(flow.exit_code, 0) << flow.out << flow.err;
}

// netd SIGKILLed: published ports and container traffic keep working while
// it is down (kernel state); after the restart DNS answers again, and
// nothing is handed out twice (addresses, host ports).
TEST_F(NetworkModesTest, NetdKilledAndRestartedKeepsConnectivityDnsAndPorts) {
  const std::string net = Cat("knet", ::getpid());
  networks_.push_back(net);
  ASSERT_EQ(Docker(Cat("network create --subnet 10.", 220 + ::getpid() % 20, ".",
                       ::getpid() % 250, ".0/24 ", net))
                .exit_code,
            0);
  const int port = FreePortPair();
  ASSERT_GT(port, 0);
  RunDetached("kweb", Cat("--network ", net, " -p 127.0.0.1:", port, ":80 busybox ",
                          Httpd("from-kweb")));
  RunDetached("kclient", "--network " + net + " busybox sleep 300");
  const std::string web_ip =
      Inspect("kweb", "{{(index .NetworkSettings.Networks \"" + net + "\").IPAddress}}");
  const std::string client_ip =
      Inspect("kclient", "{{(index .NetworkSettings.Networks \"" + net + "\").IPAddress}}");
  ASSERT_FALSE(web_ip.empty());
  EXPECT_THAT(HttpGet(*stack_, port), HasSubstr("from-kweb"));

  const int pid = stack_->ServicePid("netd");
  ASSERT_GT(pid, 0);
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  for (int i = 0; i < 50 && ::kill(pid, 0) == 0; ++i) ::usleep(100 * 1000);
  // Down: the kernel keeps forwarding.
  EXPECT_THAT(HttpGet(*stack_, port), HasSubstr("from-kweb"));
  CommandResult direct = Docker("exec kclient sh -c \"printf 'GET / HTTP/1.0\\r\\n\\r\\n' | "
                                "nc -w 5 " + web_ip + " 80\"");
  EXPECT_THAT(direct.out, HasSubstr("from-kweb")) << direct.err;

  CommandResult up = stack_->Up();
  ASSERT_EQ(up.exit_code, 0) << up.err;
  EXPECT_NE(stack_->ServicePid("netd"), pid);
  // Back: names, the published port, and fresh allocations only.
  CommandResult lookup = Docker("exec kclient nslookup kweb");
  EXPECT_THAT(lookup.out, HasSubstr(web_ip)) << lookup.err;
  EXPECT_THAT(HttpGet(*stack_, port), HasSubstr("from-kweb"));
  RunDetached("knew", "--network " + net + " busybox sleep 300");
  const std::string new_ip =
      Inspect("knew", "{{(index .NetworkSettings.Networks \"" + net + "\").IPAddress}}");
  EXPECT_FALSE(new_ip.empty());
  EXPECT_NE(new_ip, web_ip);
  EXPECT_NE(new_ip, client_ip);
  containers_.push_back("kdup");
  CommandResult dup = Docker(Cat("run -d --name kdup -p 127.0.0.1:", port, ":80 busybox true"));
  EXPECT_NE(dup.exit_code, 0);
  EXPECT_THAT(dup.err, HasSubstr("port is already allocated"));
  CommandResult members = Docker("network inspect -f '{{len .Containers}}' " + net);
  EXPECT_EQ(Trimmed(members.out), "3");
}

// Network events from netd in docker events, and network prune.
TEST_F(NetworkModesTest, NetworkEventsAndPrune) {
  const std::string since = Trimmed(stack_->Shell("date +%s").out);
  const std::string used = Cat("evnet", ::getpid());
  const std::string unused = Cat("evprune", ::getpid());
  networks_ = {used, unused};
  ASSERT_EQ(Docker("network create " + used).exit_code, 0);
  ASSERT_EQ(Docker("network create " + unused).exit_code, 0);
  RunDetached("evc", "--network " + used + " busybox sleep 300");
  ASSERT_EQ(Docker("network connect bridge evc").exit_code, 0);
  ASSERT_EQ(Docker("network disconnect bridge evc").exit_code, 0);
  ASSERT_EQ(Docker("rm -f evc").exit_code, 0);
  // Prune takes the unused user networks, never the predefined ones.
  CommandResult pruned = Docker("network prune -f");
  ASSERT_EQ(pruned.exit_code, 0) << pruned.err;
  EXPECT_THAT(pruned.out, HasSubstr(used));
  EXPECT_THAT(pruned.out, HasSubstr(unused));
  EXPECT_THAT(pruned.out, Not(HasSubstr("bridge")));
  EXPECT_THAT(Docker("network ls --format '{{.Name}}'").out, Not(HasSubstr(unused)));
  const std::string until = Trimmed(stack_->Shell("date +%s").out);
  CommandResult events =
      Docker("events --since " + since + " --until " + std::to_string(std::stoll(until) + 1) +
             " --filter type=network --format '{{.Action}} {{.Actor.Attributes.name}}'");
  ASSERT_EQ(events.exit_code, 0) << events.err;
  EXPECT_THAT(events.out, HasSubstr("create " + used + "\n"));
  EXPECT_THAT(events.out, HasSubstr("create " + unused + "\n"));
  EXPECT_THAT(events.out, HasSubstr("connect " + used + "\n"));
  EXPECT_THAT(events.out, HasSubstr("connect bridge\n"));
  EXPECT_THAT(events.out, HasSubstr("disconnect bridge\n"));
  EXPECT_THAT(events.out, HasSubstr("disconnect " + used + "\n"));
  EXPECT_THAT(events.out, HasSubstr("destroy " + used + "\n"));
  EXPECT_THAT(events.out, HasSubstr("destroy " + unused + "\n"));
  // The same stream through berth (gRPC).
  CommandResult berth = stack_->Berth("events --since " + since + " --until " +
                                      std::to_string(std::stoll(until) + 1) +
                                      " --filter type=network");
  EXPECT_THAT(berth.out, HasSubstr("destroy")) << berth.err;
}

// UDP through a published port: a datagram from the host reaches a
// container's UDP server with its payload and the reply comes back. Hairpin:
// the container reaches its own published port through the gateway and
// through the host address the port is published on (masqueraded back in
// Berth's nft table; with br_netfilter loaded the DNAT is bridged and the
// old iifname-matched masquerade never applied).
TEST_F(NetworkModesTest, UdpRoundTripAndHairpinThroughPublishedPorts) {
  const int udp_port = FreePortPair();
  const int web_port = FreePortPair();
  ASSERT_GT(udp_port, 0);
  ASSERT_GT(web_port, 0);
  RunDetached("udpweb", Cat(ResponderMount(), " -p 127.0.0.1:", udp_port, ":53/udp -p ", web_port,
                            ":80 busybox sh -c '/udp echo 53 & mkdir /w && echo hairpin-ok > "
                            "/w/index.html && exec httpd -f -p 80 -h /w'"));
  for (int i = 0; i < 40 && Docker("logs udpweb").out.find("listening") == std::string::npos; ++i) {
    ::usleep(100 * 1000);
  }
  EXPECT_EQ(Trimmed(UdpExchange(*stack_, "127.0.0.1", udp_port, "udp-payload-1")),
            "echo:udp-payload-1");
  EXPECT_THAT(Docker("logs udpweb").out, HasSubstr("got 13 bytes: udp-payload-1"));
  EXPECT_EQ(Trimmed(Docker("port udpweb 53/udp").out), Cat("127.0.0.1:", udp_port));

  const std::string gateway = Inspect("udpweb", "{{.NetworkSettings.Gateway}}");
  ASSERT_FALSE(gateway.empty());
  auto fetch_from_itself = [&](const std::string& address) {
    return Docker(Cat("exec udpweb sh -c \"printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 ",
                      address, " ", web_port, "\"")).out;
  };
  EXPECT_THAT(fetch_from_itself(gateway), HasSubstr("hairpin-ok"));
  const std::string host_address = HostGlobalAddress(*stack_);
  if (!host_address.empty()) {
    EXPECT_THAT(fetch_from_itself(host_address), HasSubstr("hairpin-ok")) << host_address;
  }
  // A neighbour on the same bridge reaches it the same way.
  CommandResult neighbour = Docker(Cat(
      "run --rm busybox sh -c \"printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 ", gateway, " ",
      web_port, "\""));
  EXPECT_THAT(neighbour.out, HasSubstr("hairpin-ok")) << neighbour.err;
}

// On a user network the embedded DNS answers names it does not know from
// the asking container's own --dns servers (here a DNS responder the test
// runs in another container of that network, so no query leaves the
// machine), and --link there is a DNS alias only the linking container has.
TEST_F(NetworkModesTest, EmbeddedDnsUsesTheContainersDnsServersAndLinksAreAliases) {
  const std::string net = Cat("updns", ::getpid());
  networks_.push_back(net);
  ASSERT_EQ(Docker(Cat("network create --subnet 10.", 180 + ::getpid() % 20, ".",
                       ::getpid() % 250, ".0/24 ", net))
                .exit_code,
            0);
  // Bound to its eth0 address: 127.0.0.11:53 is the embedded DNS's socket.
  RunDetached("dnsup", Cat("--network ", net, " ", ResponderMount(),
                           " busybox sh -c 'exec /udp dns $(ip -4 -o addr show eth0 | "
                           "awk \"{print \\$4}\" | cut -d/ -f1):53 198.51.100.77'"));
  const std::string upstream =
      Inspect("dnsup", "{{(index .NetworkSettings.Networks \"" + net + "\").IPAddress}}");
  ASSERT_FALSE(upstream.empty());
  for (int i = 0; i < 40 && Docker("logs dnsup").out.find("listening") == std::string::npos; ++i) {
    ::usleep(100 * 1000);
  }
  // The link target need not run yet on a user network (resolved at query
  // time), but must exist.
  RunDetached("asker", Cat("--network ", net, " --dns ", upstream,
                           " --link dnsup:resolver busybox sleep 300"));
  CommandResult forwarded = Docker("exec asker nslookup outside.example.test");
  EXPECT_THAT(forwarded.out, HasSubstr("198.51.100.77")) << forwarded.out << forwarded.err;
  EXPECT_THAT(forwarded.out, HasSubstr("127.0.0.11"));
  EXPECT_THAT(Docker("logs dnsup").out, HasSubstr("query of"));
  // The alias: the linked container's address on the shared network.
  CommandResult alias = Docker("exec asker nslookup resolver");
  EXPECT_THAT(alias.out, ContainsRegex("Address: " + upstream + "\n")) << alias.out << alias.err;
  // Another container on the network without the link: "resolver" is not
  // a name there, so it goes to that container's --dns server (the
  // responder), which answers its fixed address.
  containers_.push_back("nolink");
  CommandResult other = Docker(Cat("run --name nolink --network ", net, " --dns ", upstream,
                                   " busybox nslookup resolver"));
  EXPECT_THAT(other.out, HasSubstr("198.51.100.77")) << other.out << other.err;
  EXPECT_THAT(other.out, Not(ContainsRegex("Address: " + upstream + "\n")));
  // /etc/hosts gets no link line on a user network (Docker's behaviour).
  EXPECT_THAT(Docker("exec asker cat /etc/hosts").out, Not(HasSubstr("resolver")));
  // A link to a container that does not exist is refused.
  containers_.push_back("badlink");
  CommandResult bad = Docker(Cat("run --name badlink --network ", net,
                                 " --link nosuchcontainer:x busybox true"));
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_THAT(bad.err, HasSubstr("nosuchcontainer"));
  // The berth CLI: the same alias through gRPC.
  containers_.push_back("basker");
  CommandResult berth = stack_->Berth(Cat("run --name basker --network ", net,
                                          " --link dnsup:res2 busybox nslookup res2"));
  EXPECT_THAT(berth.out, ContainsRegex("Address: " + upstream + "\n")) << berth.out << berth.err;
}

// A host port range for one container port: each container gets the first
// free port of the range, and a full range is a clear error.
TEST_F(NetworkModesTest, HostPortRangeForOneContainerPort) {
  const int base = FreePortPair();
  ASSERT_GT(base, 0);
  const std::string range = Cat("127.0.0.1:", base, "-", base + 1, ":80");
  RunDetached("rng1", Cat("-p ", range, " busybox ", Httpd("from-rng1")));
  RunDetached("rng2", Cat("-p ", range, " busybox ", Httpd("from-rng2")));
  EXPECT_EQ(Trimmed(Docker("port rng1 80").out), Cat("127.0.0.1:", base));
  EXPECT_EQ(Trimmed(Docker("port rng2 80").out), Cat("127.0.0.1:", base + 1));
  EXPECT_THAT(HttpGet(*stack_, base), HasSubstr("from-rng1"));
  EXPECT_THAT(HttpGet(*stack_, base + 1), HasSubstr("from-rng2"));
  EXPECT_EQ(Inspect("rng1", "{{(index (index .HostConfig.PortBindings \"80/tcp\") 0).HostPort}}"),
            Cat(base, "-", base + 1));
  containers_.push_back("rng3");
  CommandResult full = Docker(Cat("run -d --name rng3 -p ", range, " busybox true"));
  EXPECT_NE(full.exit_code, 0);
  EXPECT_THAT(full.err, HasSubstr(Cat("Bind for 127.0.0.1:", base, "-", base + 1,
                                      " failed: all ports are allocated")));
  // Freed by a removal, taken again, through the berth CLI.
  ASSERT_EQ(Docker("rm -f rng1").exit_code, 0);
  containers_.push_back("brng");
  CommandResult berth = stack_->Berth(Cat("run -d --name brng -p ", range, " busybox ",
                                          Httpd("from-brng")));
  ASSERT_EQ(berth.exit_code, 0) << berth.err;
  EXPECT_EQ(Trimmed(stack_->Berth("port brng 80").out), Cat("127.0.0.1:", base));
  EXPECT_THAT(HttpGet(*stack_, base), HasSubstr("from-brng"));
}

// --mac-address over REST. The docker CLI 28 sends the MAC only per
// endpoint (NetworkingConfig.EndpointsConfig.<net>.MacAddress) and refuses
// that itself below API 1.44 ("specify mac-address per network" requires API
// version 1.44); Berth advertises 1.41. So the CLI's body (as it sends it to
// a 1.44 daemon) goes through curl, and Config.MacAddress (docker-py at
// 1.41) is covered by DockerPyPortsModesAndDns.
TEST_F(NetworkModesTest, MacAddressPerEndpointAsTheDockerCliSendsIt) {
  CommandResult refused = Docker("run --rm --mac-address 02:42:ac:11:fe:0a busybox true");
  EXPECT_THAT(refused.err, HasSubstr("requires API version 1.44"));
  const std::string socket = stack_->docker_host().substr(7);
  const std::string body =
      R"({"Image":"busybox","Cmd":["cat","/sys/class/net/eth0/address"],)"
      R"("HostConfig":{"NetworkMode":"bridge"},)"
      R"("NetworkingConfig":{"EndpointsConfig":{"bridge":{"MacAddress":"02:42:ac:11:fe:0a"}}}})";
  containers_.push_back("macrest");
  CommandResult created = stack_->Shell(
      "curl -sS --unix-socket " + socket + " -H 'Content-Type: application/json' -X POST "
      "'http://docker/v1.41/containers/create?name=macrest' -d '" + body + "'");
  ASSERT_THAT(created.out, HasSubstr("\"Id\"")) << created.out << created.err;
  CommandResult run = Docker("start -a macrest");
  EXPECT_EQ(Trimmed(run.out), "02:42:ac:11:fe:0a") << run.err;
  EXPECT_EQ(Inspect("macrest", "{{.Config.MacAddress}}"), "02:42:ac:11:fe:0a");
}

// A two-service docker-compose project (Debian's docker-compose 1.29 on
// docker-py): web (busybox httpd) fetches its page from db (busybox httpd)
// by the service name at start; the test reads it through web's published
// port. `down` leaves no container, network or kernel object behind.
TEST_F(NetworkModesTest, ComposeWebReachesDbByNameUpAndDown) {
  if (stack_->Shell("test -x /usr/bin/docker-compose").exit_code != 0) {
    GTEST_SKIP() << "docker-compose is not installed (scripts/install-deps.sh)";
  }
  const int port = FreePortPair();
  ASSERT_GT(port, 0);
  const std::string project = Cat("cmp", ::getpid());
  const std::string dir = stack_->root() + "/" + project;
  const std::string compose = Cat(R"YML(version: "2.4"
services:
  db:
    image: busybox:latest
    command: ["sh", "-c", "mkdir -p /d && echo db-answer > /d/index.html && httpd -f -p 8080 -h /d"]
  web:
    image: busybox:latest
    depends_on: [db]
    ports: ["127.0.0.1:)YML", port, R"YML(:80"]
    command:
      - sh
      - -c
      - >-
        mkdir -p /w; for i in $$(seq 1 40); do
        printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 2 db 8080 > /w/db.txt;
        grep -q db-answer /w/db.txt && break; sleep 0.25; done;
        echo web-up > /w/index.html; exec httpd -f -p 80 -h /w
)YML");
  ASSERT_EQ(stack_->Shell("mkdir -p " + dir + " && cat > " + dir + "/docker-compose.yml <<'EOF'\n" +
                          compose + "EOF\n")
                .exit_code,
            0);
  const std::string cmd = "cd " + dir + " && /usr/bin/docker-compose -p " + project + " ";
  CommandResult up = stack_->Shell(cmd + "up -d");
  ASSERT_EQ(up.exit_code, 0) << up.out << up.err;
  std::string page;
  for (int i = 0; i < 40 && page.find("db-answer") == std::string::npos; ++i) {
    page = stack_->Shell(Cat("curl -sS --max-time 2 http://127.0.0.1:", port, "/db.txt")).out;
    if (page.find("db-answer") == std::string::npos) ::usleep(250 * 1000);
  }
  EXPECT_THAT(page, HasSubstr("db-answer"));
  CommandResult ps = stack_->Shell(cmd + "ps");
  EXPECT_THAT(ps.out, HasSubstr(project + "_web_"));
  EXPECT_THAT(ps.out, HasSubstr(project + "_db_"));
  // Each container once (compose asks for oneoff=False and oneoff=True).
  auto count = [](const std::string& text, const std::string& what) {
    size_t n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count(ps.out, project + "_web_"), 1u) << ps.out;
  EXPECT_EQ(count(ps.out, project + "_db_"), 1u) << ps.out;
  const std::string bridge = Trimmed(
      Docker("network inspect -f '{{index .Options \"com.docker.network.bridge.name\"}}' " +
             project + "_default")
          .out);

  CommandResult down = stack_->Shell(cmd + "down");
  EXPECT_EQ(down.exit_code, 0) << down.out << down.err;
  EXPECT_EQ(Trimmed(Docker("ps -aq --filter label=com.docker.compose.project=" + project).out),
            "");
  EXPECT_THAT(Docker("network ls --format '{{.Name}}'").out,
              Not(HasSubstr(project + "_default")));
  if (!bridge.empty()) {
    EXPECT_EQ(Trimmed(stack_->Shell("ip -o link show | grep -F -- " + bridge + "; true").out), "");
  }
}

}  // namespace
}  // namespace berth::e2e
