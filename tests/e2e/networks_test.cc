// User-defined networks end to end, through the docker CLI and docker-py
// against a private stack: containers on one network reach each other by
// name and alias (busybox nslookup, ping, an HTTP GET), a container on another
// network cannot reach them, a network in use cannot be removed, connect
// adds a working interface to a running container and disconnect removes
// it, and nothing (bridge, veth, netns, rule) is left afterwards. Traffic
// goes only to the containers the test made; only names Berth answers are
// ever resolved.
#include <unistd.h>

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

using ::testing::HasSubstr;
using ::testing::Not;

template <typename... T>
std::string Cat(const T&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  return out.str();
}


class NetworksTest : public BusyboxStackTest {
 protected:
  void TearDown() override {
    if (stack_ != nullptr) {
      // Cleanup even after a failed assertion; the stack's own teardown
      // (berth-down) then removes what is left in the kernel.
      for (const std::string& name : containers_) Docker("rm -f " + name);
      for (const std::string& name : networks_) Docker("network rm " + name);
    }
    BusyboxStackTest::TearDown();
  }

  CommandResult Docker(const std::string& args) { return stack_->Docker(args); }

  // A subnet no other run of this test uses at the same time.
  std::string Subnet(int n) {
    const int pid = ::getpid();
    return Cat("10.", 180 + pid % 20, ".", (pid * 2 + n) % 250, ".0/24");
  }

  std::string Network(const std::string& name, int n, const std::string& flags = "") {
    networks_.push_back(name);
    CommandResult created =
        Docker(Cat("network create --subnet ", Subnet(n), " ", flags, " ", name));
    EXPECT_EQ(created.exit_code, 0) << created.err;
    return Trimmed(created.out);
  }

  void RunDetached(const std::string& name, const std::string& args) {
    containers_.push_back(name);
    CommandResult run = Docker(Cat("run -d --name ", name, " ", args));
    ASSERT_EQ(run.exit_code, 0) << run.err;
  }

  // A throwaway busybox on `network` running `command`.
  CommandResult On(const std::string& network, const std::string& command) {
    return Docker(Cat("run --rm --network ", network, " busybox ", command));
  }

  std::string Ip(const std::string& container, const std::string& network) {
    return Trimmed(Docker(Cat("inspect -f '{{(index .NetworkSettings.Networks \"", network,
                                       "\").IPAddress}}' ", container))
                       .out);
  }

  // Links, netns files and rules that mention `needle`.
  std::string KernelTraces(const std::string& needle) {
    return stack_
        ->Shell("ip -o link show | grep -F -- " + needle + "; ls " + stack_->root() +
                "/run/netd/netns 2>/dev/null | grep -F -- " + needle +
                "; nft list ruleset 2>/dev/null | grep -F -- " + needle + "; true")
        .out;
  }

  std::vector<std::string> containers_;
  std::vector<std::string> networks_;
};

TEST_F(NetworksTest, ContainersFindEachOtherByNameAndAliasAndOtherNetworksAreCutOff) {
  const std::string front = Cat("front", ::getpid());
  const std::string back = Cat("back", ::getpid());
  const std::string front_id = Network(front, 0);
  Network(back, 1, "--internal");
  ASSERT_FALSE(HasFailure());
  const std::string bridge = Trimmed(
      Docker("network inspect -f '{{index .Options \"com.docker.network.bridge.name\"}}' " + front)
          .out);
  ASSERT_FALSE(bridge.empty());

  RunDetached("web", "--network " + front + " --network-alias www busybox sh -c "
                     "'echo hello-from-web > /tmp/index.html && httpd -f -p 80 -h /tmp'");
  RunDetached("outsider", "--network " + back + " busybox sleep 300");
  const std::string web_ip = Ip("web", front);
  ASSERT_FALSE(web_ip.empty());

  // The network lists and inspects as Docker's does.
  CommandResult ls = Docker("network ls --filter name=" + front + " --format '{{.Name}} {{.Driver}}'");
  EXPECT_EQ(Trimmed(ls.out), front + " bridge") << ls.err;
  CommandResult members =
      Docker("network inspect -f '{{range .Containers}}{{.Name}} {{.IPv4Address}}{{end}}' " + front);
  EXPECT_EQ(Trimmed(members.out), "web " + web_ip + "/24") << members.err;

  // By name and by alias, with three different clients of the resolver.
  CommandResult lookup = On(front, "nslookup www");
  EXPECT_EQ(lookup.exit_code, 0) << lookup.out << lookup.err;
  EXPECT_THAT(lookup.out, HasSubstr(web_ip));
  CommandResult ping = On(front, "ping -c1 -W3 web");
  EXPECT_EQ(ping.exit_code, 0) << ping.out << ping.err;
  // An HTTP GET by alias with nc: the static busybox's wget crashes in
  // glibc's resolver (see host_protection_test.cc), nc does not.
  const std::string get = "sh -c \"printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 ";
  CommandResult http = On(front, get + "www 80\"");
  EXPECT_THAT(http.out, HasSubstr("hello-from-web")) << http.exit_code << " " << http.err;

  // Another network cannot reach it (by address: its name is unknown there,
  // and the test never asks for a name Berth does not answer).
  CommandResult cut = On(back, get + web_ip + " 80\"");
  EXPECT_NE(cut.exit_code, 0) << cut.out;
  EXPECT_THAT(cut.out, Not(HasSubstr("hello-from-web")));

  CommandResult busy = Docker("network rm " + front);
  EXPECT_NE(busy.exit_code, 0);
  EXPECT_THAT(busy.err, HasSubstr("has active endpoints"));

  // connect hot-plugs eth1 into the running outsider; it then reaches web.
  CommandResult connect = Docker("network connect --alias spy " + front + " outsider");
  ASSERT_EQ(connect.exit_code, 0) << connect.err;
  const std::string sandbox =
      Trimmed(Docker("inspect -f '{{.NetworkSettings.SandboxKey}}' outsider").out);
  CommandResult eth1 = stack_->Shell("nsenter --net=" + sandbox + " ip -o -4 addr show dev eth1");
  const std::string spy_ip = Ip("outsider", front);
  ASSERT_FALSE(spy_ip.empty());
  EXPECT_THAT(eth1.out, HasSubstr(spy_ip + "/24")) << eth1.err;
  CommandResult via_alias = On(front, "ping -c1 -W3 spy");
  EXPECT_EQ(via_alias.exit_code, 0) << via_alias.out << via_alias.err;

  // disconnect removes it again.
  ASSERT_EQ(Docker("network disconnect " + front + " outsider").exit_code, 0);
  eth1 = stack_->Shell("nsenter --net=" + sandbox + " ip -o link show dev eth1");
  EXPECT_NE(eth1.exit_code, 0) << eth1.out;
  CommandResult gone = On(front, "ping -c1 -W2 " + spy_ip);
  EXPECT_NE(gone.exit_code, 0) << gone.out;

  // Everything removed: nothing of it left in the kernel.
  ASSERT_EQ(Docker("rm -f web outsider").exit_code, 0);
  ASSERT_EQ(Docker("network rm " + front + " " + back).exit_code, 0);
  EXPECT_EQ(KernelTraces(bridge), "");
  EXPECT_EQ(KernelTraces(front_id.substr(0, 12)), "");
  CommandResult left = Docker("network ls -q --filter type=custom");
  EXPECT_EQ(Trimmed(left.out), "");
}

// The berth CLI over the public gRPC API: network create/ls/inspect/rm,
// run --network --network-alias --ip, connect/disconnect.
TEST_F(NetworksTest, BerthCliManagesNetworksAndAliases) {
  const std::string name = Cat("bnet", ::getpid());
  networks_.push_back(name);
  containers_ = {"bweb", "bother"};
  const std::string subnet = Subnet(3);
  const std::string prefix = subnet.substr(0, subnet.rfind('.'));  // "10.x.y"
  CommandResult created = stack_->Berth("network create --subnet " + subnet + " " + name);
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_THAT(stack_->Berth("network ls").out, HasSubstr(name));
  EXPECT_THAT(stack_->Berth("network inspect " + name).out, HasSubstr(subnet));
  CommandResult web = stack_->Berth("run -d --name bweb --network " + name +
                                    " --network-alias api --ip " + prefix +
                                    ".50 busybox sleep 300");
  ASSERT_EQ(web.exit_code, 0) << web.err;
  EXPECT_EQ(Ip("bweb", name), prefix + ".50");
  CommandResult lookup = On(name, "nslookup api");
  EXPECT_THAT(lookup.out, HasSubstr(prefix + ".50")) << lookup.err;
  // A taken static address is refused.
  CommandResult clash = stack_->Berth("run -d --name bother --network " + name + " --ip " +
                                      prefix + ".50 busybox sleep 300");
  EXPECT_NE(clash.exit_code, 0);
  stack_->Berth("rm -f bother");
  ASSERT_EQ(stack_->Berth("run -d --name bother busybox sleep 300").exit_code, 0);
  ASSERT_EQ(stack_->Berth("network connect --alias helper " + name + " bother").exit_code, 0);
  auto network_count = [&] {
    return Trimmed(Docker("inspect -f '{{len .NetworkSettings.Networks}}' bother").out);
  };
  EXPECT_FALSE(Ip("bother", name).empty());
  EXPECT_EQ(network_count(), "2");
  EXPECT_EQ(On(name, "ping -c1 -W3 helper").exit_code, 0);
  ASSERT_EQ(stack_->Berth("network disconnect " + name + " bother").exit_code, 0);
  EXPECT_EQ(network_count(), "1");
  EXPECT_NE(stack_->Berth("network rm " + name).exit_code, 0);  // bweb still on it
  ASSERT_EQ(stack_->Berth("rm -f bweb bother").exit_code, 0);
  ASSERT_EQ(stack_->Berth("network rm " + name).exit_code, 0);
  EXPECT_THAT(stack_->Berth("network ls").out, Not(HasSubstr(name)));
}

// docker-py's networks API as an unchanged third-party client.
TEST_F(NetworksTest, DockerPyCreatesConnectsAndRemovesNetworks) {
  const std::string name = Cat("pynet", ::getpid());
  networks_.push_back(name);
  containers_ = {"pyweb", "pyclient"};
  const std::string script = R"PY(
import sys
import docker
name, subnet = sys.argv[1], sys.argv[2]
client = docker.from_env(timeout=60)
def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        sys.exit(1)
ipam = docker.types.IPAMConfig(pool_configs=[docker.types.IPAMPool(subnet=subnet)])
net = client.networks.create(name, driver="bridge", ipam=ipam, labels={"suite": "e2e"})
check(net.attrs["IPAM"]["Config"][0]["Subnet"] == subnet, "create with subnet")
check(any(n.id == net.id for n in client.networks.list(filters={"label": "suite=e2e"})), "list by label")
web = client.containers.run("busybox", ["sleep", "300"], name="pyweb", detach=True, network=name)
client_c = client.containers.run("busybox", ["sleep", "300"], name="pyclient", detach=True)
net.connect(client_c, aliases=["helper"])
net.reload()
check(len(net.containers) == 2, "two containers after connect: %r" % [c.name for c in net.containers])
ip = client.api.inspect_container("pyweb")["NetworkSettings"]["Networks"][name]["IPAddress"]
out = client.containers.run("busybox", ["nslookup", "helper"], remove=True, network=name)
helper_ip = client.api.inspect_container("pyclient")["NetworkSettings"]["Networks"][name]["IPAddress"]
check(helper_ip.encode() in out, "alias of the connected container resolves: %r" % out)
out = client.containers.run("busybox", ["ping", "-c1", "-W3", "pyweb"], remove=True, network=name)
check(b"1 packets received" in out, "ping by name: %r" % out)
try:
    net.remove()
    check(False, "remove in use refused")
except docker.errors.APIError as e:
    check("active endpoints" in str(e), "remove in use refused: %s" % e)
net.disconnect(client_c)
net.reload()
check(len(net.containers) == 1, "one container after disconnect")
web.remove(force=True)
client_c.remove(force=True)
net.remove()
check(name not in [n.name for n in client.networks.list()], "removed")
)PY";
  const std::string path = stack_->root() + "/networks_flow.py";
  ASSERT_EQ(stack_->Shell("cat > " + path + " <<'EOF'\n" + script + "\nEOF\n").exit_code, 0);
  CommandResult flow = stack_->Shell("/usr/bin/python3 " + path + " " + name + " " + Subnet(2));
  EXPECT_EQ(flow.exit_code, 0) << flow.out << flow.err;
}

}  // namespace
}  // namespace berth::e2e
