// The first container, end to end through all four services, driven once by
// the real docker CLI (REST facade) and once by the berth CLI (gRPC API) with
// an image imported from Debian's busybox-static. Each case is its own ctest
// entry (e.g. "Cli/ContainerTest.EchoHello/docker").
#include <arpa/inet.h>
#include <signal.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <sstream>
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


class ContainerTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    SKIP_UNLESS_ROOT();
    std::string error;
    stack_ = Stack::Start(&error);
    ASSERT_NE(stack_, nullptr) << error;
    std::string tar = stack_->BusyboxTar();
    ASSERT_NE(tar, "");
    CommandResult imported = Cli("import " + tar + " busybox:latest");
    ASSERT_EQ(imported.exit_code, 0) << imported.out << imported.err;
    EXPECT_THAT(imported.out, HasSubstr("sha256:"));
  }
  void TearDown() override { stack_.reset(); }

  // The CLI under test: "docker" or "berth".
  CommandResult Cli(const std::string& args, const CommandOptions& options = {}) {
    return GetParam() == "docker" ? stack_->Docker(args, options) : stack_->Berth(args, options);
  }
  std::string CliPath() {
    return GetParam() == "docker" ? "docker" : Stack::BuildDir() + "/cli/berth";
  }

  // Mount points, netns files, veths and nft rules that mention `id`.
  std::string HostTracesOf(const std::string& id) {
    std::string short_id = id.substr(0, 10);
    CommandResult traces = stack_->Shell(
        "grep -F " + id + " /proc/self/mountinfo; ls " + stack_->root() +
        "/run/netd/netns 2>/dev/null | grep -F " + id + "; ip -o link show | grep -F " +
        short_id + "; true");
    return traces.out;
  }

  // What any container of this stack leaves on the host while it exists:
  // overlay and netns mounts under the root, netns files, snapshots, veths
  // on the bridge, DNAT rules in the stack's nft table. Empty when none exists.
  std::string AnyContainerTraces() {
    std::string root = stack_->root();
    std::string bridge = stack_->bridge();
    CommandResult traces = stack_->Shell(
        "grep -F " + root + " /proc/self/mountinfo | grep -E ' - (overlay|nsfs) '; ls " + root +
        "/run/netd/netns 2>/dev/null; ls -A " + root +
        "/lib/imaged/snapshots 2>/dev/null; ip -o link show master " + bridge +
        "; nft list table ip berth_" + bridge.substr(2) + " 2>/dev/null | grep -F 'dnat to'; true");
    return traces.out;
  }

  std::unique_ptr<Stack> stack_;
};

TEST_P(ContainerTest, EchoHello) {
  CommandResult run = Cli("run --rm busybox echo hello");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "hello\n");
  // --rm: the server removed it.
  CommandResult ps = Cli("ps -a -q");
  EXPECT_EQ(Trimmed(ps.out), "");
}

TEST_P(ContainerTest, EnvironmentReachesTheProcess) {
  CommandResult run = Cli("run --rm -e BERTH_GREETING=hi-there -e EMPTY= busybox "
                          "sh -c 'echo \"$BERTH_GREETING|$EMPTY|$PATH\"'");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "hi-there||/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n");
}

TEST_P(ContainerTest, ExitCodeIsPropagated) {
  CommandResult run = Cli("run --rm busybox sh -c 'exit 3'");
  EXPECT_EQ(run.exit_code, 3) << run.out << run.err;
}

TEST_P(ContainerTest, MissingExecutableExits127) {
  CommandResult run = Cli("run --rm busybox berth-no-such-command");
  EXPECT_EQ(run.exit_code, 127) << run.out << run.err;
  EXPECT_THAT(run.err, HasSubstr("executable file not found"));
  EXPECT_EQ(Trimmed(Cli("ps -a -q").out), "");
  // The network attached for the failed start and the snapshot were undone.
  EXPECT_EQ(AnyContainerTraces(), "");
}

TEST_P(ContainerTest, PipedStdinReachesTheProcessAndEofEndsIt) {
  CommandOptions options;
  options.stdin_data = "line1\nline2\n";
  CommandResult run = Cli("run -i --rm busybox sh -c 'cat; echo done-after-eof'", options);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "line1\nline2\ndone-after-eof\n");
}

TEST_P(ContainerTest, InteractiveTtyThroughAPty) {
  CommandResult run = stack_->Shell(
      "python3 " + Stack::SourceDir() + "/tests/e2e/support/pty_session.py --timeout 40 "
      "'expect:#' 'send:tty\\n' 'expect:/dev/pts/[0-9]+' "
      "'send:echo typed-$((40+2))\\n' 'expect:typed-42' 'send:exit 4\\n' -- " +
      CliPath() + " run -it --rm busybox sh");
  EXPECT_EQ(run.exit_code, 4) << run.out;
  EXPECT_THAT(run.out, HasSubstr("/dev/pts/"));
  // The typed command line is echoed back by the container's terminal.
  EXPECT_THAT(run.out, HasSubstr("echo typed-$((40+2))"));
}

TEST_P(ContainerTest, DetachedHttpdAnswersOnPublishedPort) {
  int port = FreePort();
  CommandResult run = Cli("run -d --name web -p 127.0.0.1:" + std::to_string(port) +
                          ":80 busybox httpd -f -p 80 -h /var/www");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::string id = Trimmed(run.out);
  EXPECT_EQ(id.size(), 64u) << id;
  CommandResult curl;
  for (int i = 0; i < 50; ++i) {
    curl = stack_->Shell("curl -sS --max-time 2 http://127.0.0.1:" + std::to_string(port) + "/");
    if (curl.exit_code == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(curl.exit_code, 0) << curl.err;
  EXPECT_EQ(curl.out, "hello from berth httpd\n");
  CommandResult ps = Cli("ps");
  EXPECT_THAT(ps.out, HasSubstr("web"));
  EXPECT_THAT(ps.out, HasSubstr("127.0.0.1:" + std::to_string(port) + "->80/tcp"));
  // The probe sees a live container's netns, veth, snapshot and DNAT rule.
  std::string live = AnyContainerTraces();
  EXPECT_THAT(live, HasSubstr(id));
  EXPECT_THAT(live, HasSubstr("dnat to"));
  CommandResult rm = Cli("rm -f web");
  EXPECT_EQ(rm.exit_code, 0) << rm.err;
  EXPECT_EQ(HostTracesOf(id), "");
  EXPECT_EQ(AnyContainerTraces(), "");
  CommandResult after = stack_->Shell("curl -sS --max-time 2 http://127.0.0.1:" + std::to_string(port) + "/");
  EXPECT_NE(after.exit_code, 0);
}

TEST_P(ContainerTest, PsLogsStopRm) {
  CommandResult run = Cli("run -d --name worker busybox sh -c 'echo started; echo oops >&2; exec sleep 1000'");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::string id = Trimmed(run.out);
  CommandResult logs;
  for (int i = 0; i < 50; ++i) {
    logs = Cli("logs worker");
    if (logs.out == "started\n" && logs.err == "oops\n") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(logs.out, "started\n");
  EXPECT_EQ(logs.err, "oops\n");
  CommandResult ps = Cli("ps");
  EXPECT_THAT(ps.out, HasSubstr("worker"));
  EXPECT_THAT(ps.out, HasSubstr("Up"));
  EXPECT_THAT(ps.out, HasSubstr(id.substr(0, 12)));

  // sleep as pid 1 has no SIGTERM handler, so stop ends it with SIGKILL (137).
  CommandResult stop = Cli("stop -t 1 worker");
  EXPECT_EQ(stop.exit_code, 0) << stop.err;
  EXPECT_EQ(Trimmed(stop.out), "worker");
  EXPECT_THAT(Cli("ps").out, Not(HasSubstr("worker")));
  CommandResult all = Cli("ps -a");
  EXPECT_THAT(all.out, HasSubstr("worker"));
  EXPECT_THAT(all.out, HasSubstr("Exited (137)"));

  CommandResult rm = Cli("rm worker");
  EXPECT_EQ(rm.exit_code, 0) << rm.err;
  EXPECT_EQ(Trimmed(rm.out), "worker");
  EXPECT_THAT(Cli("ps -a").out, Not(HasSubstr("worker")));
  EXPECT_EQ(HostTracesOf(id), "");
  EXPECT_EQ(AnyContainerTraces(), "");
}

// 100,000 lines (~590 KB) travel in several log batches: all of them arrive,
// in order, and --tail picks the last ones across batch boundaries.
TEST_P(ContainerTest, LargeLogArrivesWholeAndInOrder) {
  CommandResult run = Cli("run -d --name chatty busybox seq 1 100000");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  ASSERT_EQ(Cli("wait chatty").exit_code, 0);
  CommandResult logs = Cli("logs chatty");
  ASSERT_EQ(logs.exit_code, 0) << logs.err;
  std::string expected;
  for (int i = 1; i <= 100000; ++i) expected += std::to_string(i) + "\n";
  EXPECT_EQ(logs.out.size(), expected.size());
  EXPECT_TRUE(logs.out == expected) << "first bytes: " << logs.out.substr(0, 40);
  EXPECT_EQ(Cli("logs --tail 3 chatty").out, "99998\n99999\n100000\n");
  EXPECT_EQ(Cli("rm chatty").exit_code, 0);
}

TEST_P(ContainerTest, RemovingARunningContainerNeedsForce) {
  CommandResult run = Cli("run -d --name busy busybox sleep 1000");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  CommandResult rm = Cli("rm busy");
  EXPECT_NE(rm.exit_code, 0);
  EXPECT_THAT(rm.err, HasSubstr("cannot remove a running container"));
  EXPECT_EQ(Cli("rm -f busy").exit_code, 0);
}

TEST_P(ContainerTest, HostnameIsTheShortId) {
  CommandResult run = Cli("run -d --name named busybox sh -c 'hostname; cat /etc/hostname; exec sleep 1000'");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::string id = Trimmed(run.out);
  CommandResult logs;
  for (int i = 0; i < 50; ++i) {
    logs = Cli("logs named");
    if (!logs.out.empty() && logs.out.find('\n') != logs.out.rfind('\n')) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(logs.out, id.substr(0, 12) + "\n" + id.substr(0, 12) + "\n");
  EXPECT_EQ(Cli("rm -f named").exit_code, 0);
}

TEST_P(ContainerTest, SeesOnlyItsOwnProcesses) {
  CommandResult run = Cli("run --rm busybox ps -o pid,comm");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "PID   COMMAND\n    1 ps\n");
}

TEST_P(ContainerTest, NetworkNoneHasOnlyLoopback) {
  CommandResult run = Cli("run --rm --network none busybox sh -c 'ls /sys/class/net'");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "lo\n");
}

TEST_P(ContainerTest, BridgeNetworkGivesAnAddress) {
  CommandResult run = Cli("run --rm busybox sh -c 'ls /sys/class/net; ip -4 -o addr show eth0'");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("eth0"));
  EXPECT_TRUE(std::regex_search(run.out, std::regex("inet 10\\.[0-9]+\\.[0-9]+\\.[0-9]+/24")))
      << run.out;
}

TEST_P(ContainerTest, ImagesListsTheImport) {
  CommandResult images = Cli("images");
  ASSERT_EQ(images.exit_code, 0) << images.err;
  EXPECT_THAT(images.out, HasSubstr("busybox"));
  EXPECT_THAT(images.out, HasSubstr("latest"));
}

TEST_P(ContainerTest, MissingImageIsNotFound) {
  CommandResult run = Cli("run --rm berth-absent-image:zz true");
  EXPECT_NE(run.exit_code, 0);
  EXPECT_THAT(run.err, Not(HasSubstr("Segmentation")));
  // The docker CLI then pulls, which a test stack refuses before contacting
  // anything (only loopback registries are allowed).
  EXPECT_THAT(run.err + run.out,
              ::testing::AnyOf(HasSubstr("No such image"), HasSubstr("is not allowed")));
}

TEST_P(ContainerTest, NothingIsLeftAfterBerthDown) {
  CommandResult run = Cli("run -d -p 127.0.0.1:" + std::to_string(FreePort()) +
                          ":80 busybox httpd -f -p 80");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::string bridge = stack_->bridge();
  std::string root = stack_->root();
  std::string table = "berth_" + bridge.substr(2);
  stack_.reset();  // berth-down --purge
  CommandResult traces = RunShell(
      "grep -F " + root + " /proc/self/mountinfo; ip -o link show | grep -F " + bridge +
      "; nft list tables | grep -F " + table + "; pgrep -af '[b]erth-shim.*" + root + "'; true");
  EXPECT_EQ(traces.out, "");
}


// docker-py (Debian's python3-docker) as a third, unchanged client.
TEST_F(BusyboxStackTest, DockerPyRunListStopRemove) {
  CommandResult flow = stack_->Shell("/usr/bin/python3 " + Stack::SourceDir() +
                                     "/tests/e2e/support/dockerpy_flow.py " +
                                     std::to_string(FreePort()));
  EXPECT_EQ(flow.exit_code, 0) << flow.out << flow.err;
}

// Killing a service (-9) while a container runs loses nothing: the container
// keeps running and serving, and the restarted service picks it up.
TEST_F(BusyboxStackTest, ContainerSurvivesKilledServices) {
  int port = FreePort();
  std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
  CommandResult run = stack_->Berth("run -d --name survivor -p 127.0.0.1:" + std::to_string(port) +
                                   ":80 busybox httpd -f -p 80 -h /var/www");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto answers = [&] {
    for (int i = 0; i < 50; ++i) {
      if (stack_->Shell("curl -sf --max-time 2 " + url).out == "hello from berth httpd\n") return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  };
  ASSERT_TRUE(answers());
  for (const char* svc : {"runtimed", "netd", "apid", "imaged"}) {
    int pid = stack_->ServicePid(svc);
    ASSERT_GT(pid, 0) << svc;
    ASSERT_EQ(::kill(pid, SIGKILL), 0) << svc;
    // The published port is in the kernel, the process is the shim's: both
    // outlive the daemon.
    EXPECT_TRUE(answers()) << "while " << svc << " is down";
    CommandResult up = stack_->Up();
    ASSERT_EQ(up.exit_code, 0) << svc << ": " << up.err;
    CommandResult ps = stack_->Berth("ps");
    EXPECT_THAT(ps.out, HasSubstr("survivor")) << "after restarting " << svc;
    EXPECT_THAT(ps.out, HasSubstr("Up")) << "after restarting " << svc;
  }
  CommandResult stop = stack_->Berth("stop -t 1 survivor");
  EXPECT_EQ(stop.exit_code, 0) << stop.err;
  EXPECT_THAT(stack_->Berth("ps -a").out, HasSubstr("Exited (137)"));
  EXPECT_EQ(stack_->Berth("rm survivor").exit_code, 0);
  EXPECT_NE(stack_->Shell("curl -sf --max-time 2 " + url).exit_code, 0);
}

INSTANTIATE_TEST_SUITE_P(Cli, ContainerTest, ::testing::Values("docker", "berth"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace berth::e2e
