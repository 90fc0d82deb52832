// The stack as a whole: launcher, health, the docker CLI's view, metrics,
// recovery of a killed service. Each TEST is its own ctest entry.
#include <signal.h>

#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/support/stack.h"
#include "tests/e2e/support/stack_fixture.h"

namespace berth::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class StackTest : public PrivateStackTest {
 protected:
  // Polls `berth info` until `predicate` holds on its output (bounded).
  bool InfoEventually(const std::function<bool(const std::string&)>& predicate,
                      std::string* last) {
    for (int i = 0; i < 100; ++i) {
      CommandResult info = stack_->Berth("info");
      *last = info.out + info.err;
      if (info.exit_code == 0 && predicate(info.out)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

};

TEST_F(StackTest, AllServicesHealthy) {
  for (const char* svc : {"imaged", "netd", "runtimed", "apid"}) {
    std::string socket = std::string("unix://") + stack_->root() + "/run/" +
                         (std::string(svc) == "apid" ? "api" : svc) + ".sock";
    CommandResult health = stack_->Berth("--host " + socket + " health");
    EXPECT_EQ(health.exit_code, 0) << svc << ": " << health.out << health.err;
  }
  CommandResult info = stack_->Berth("info");
  ASSERT_EQ(info.exit_code, 0) << info.err;
  EXPECT_THAT(info.out, Not(HasSubstr("not serving")));
}

TEST_F(StackTest, BerthVersionTalksToApid) {
  CommandResult version = stack_->Berth("version");
  ASSERT_EQ(version.exit_code, 0) << version.err;
  EXPECT_THAT(version.out, HasSubstr(BERTH_VERSION));
  EXPECT_THAT(version.out, HasSubstr("1.41"));
}

TEST_F(StackTest, DockerVersionShowsBerthServer) {
  CommandResult version = stack_->Docker("version");
  ASSERT_EQ(version.exit_code, 0) << version.out << version.err;
  EXPECT_THAT(version.out, HasSubstr("Server: Berth"));
  EXPECT_THAT(version.out, HasSubstr("1.41"));
}

TEST_F(StackTest, DockerInfoAnswers) {
  CommandResult info = stack_->Docker("info --format '{{.ServerVersion}} {{.OSType}}'");
  ASSERT_EQ(info.exit_code, 0) << info.out << info.err;
  EXPECT_THAT(info.out, HasSubstr(std::string(BERTH_VERSION) + " linux"));
}

TEST_F(StackTest, PingAnswersWithApiVersionHeader) {
  std::string socket = stack_->docker_host().substr(7);
  CommandResult head = stack_->Shell("curl -sS -I --unix-socket " + ShellQuote(socket) +
                                     " http://localhost/_ping");
  ASSERT_EQ(head.exit_code, 0) << head.err;
  EXPECT_THAT(head.out, HasSubstr("200"));
  EXPECT_THAT(head.out, HasSubstr("Api-Version: 1.41"));
  CommandResult get = stack_->Shell("curl -sS --unix-socket " + ShellQuote(socket) +
                                    " http://localhost/v1.41/_ping");
  EXPECT_EQ(get.out, "OK");
}

TEST_F(StackTest, EveryMetricsEndpointPassesPromtool) {
  for (const char* svc : {"imaged", "netd", "runtimed", "apid"}) {
    std::string address = stack_->MetricsAddress(svc);
    ASSERT_FALSE(address.empty()) << svc;
    // Scrape twice so the RPC counters of the health checks are present too.
    stack_->Shell("curl -sf http://" + address + "/metrics >/dev/null");
    CommandResult check = stack_->Shell("curl -sf http://" + address +
                                        "/metrics | tee /dev/stderr | promtool check metrics");
    EXPECT_EQ(check.exit_code, 0) << svc << ": " << check.out;
    EXPECT_THAT(check.err, HasSubstr("process_resident_memory_bytes")) << svc;
    EXPECT_THAT(check.err, HasSubstr("berth_grpc_server_handled_total")) << svc;
  }
}

TEST_F(StackTest, KilledServiceIsReportedAndRecovers) {
  int pid = stack_->ServicePid("netd");
  ASSERT_GT(pid, 0);
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  std::string last;
  EXPECT_TRUE(InfoEventually(
      [](const std::string& out) {
        return out.find("netd") != std::string::npos &&
               out.find("not serving") != std::string::npos;
      },
      &last))
      << last;
  CommandResult up = stack_->Up();
  ASSERT_EQ(up.exit_code, 0) << up.err;
  EXPECT_THAT(up.err, HasSubstr("started netd"));
  EXPECT_NE(stack_->ServicePid("netd"), pid);
  EXPECT_TRUE(InfoEventually(
      [](const std::string& out) { return out.find("not serving") == std::string::npos; },
      &last))
      << last;
}

TEST_F(StackTest, UpAgainStartsNothing) {
  int apid = stack_->ServicePid("apid");
  CommandResult up = stack_->Up();
  ASSERT_EQ(up.exit_code, 0) << up.err;
  EXPECT_THAT(up.err, HasSubstr("already running"));
  EXPECT_EQ(stack_->ServicePid("apid"), apid);
}

TEST_F(StackTest, TwoStacksRunSideBySide) {
  std::string error;
  auto other = Stack::Start(&error);
  ASSERT_NE(other, nullptr) << error;
  EXPECT_NE(other->docker_host(), stack_->docker_host());
  EXPECT_NE(other->bridge(), stack_->bridge());
  EXPECT_NE(other->MetricsAddress("apid"), stack_->MetricsAddress("apid"));
  EXPECT_EQ(other->Docker("version").exit_code, 0);
  EXPECT_EQ(stack_->Docker("version").exit_code, 0);
}

TEST_F(StackTest, SigtermStopsServicesCleanly) {
  int pid = stack_->ServicePid("imaged");
  ASSERT_GT(pid, 0);
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    gone = ::kill(pid, 0) != 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(gone);
  CommandResult log = stack_->Shell("cat " + stack_->root() + "/log/imaged.log");
  EXPECT_THAT(log.out, HasSubstr("imaged stopped"));
  // The socket is gone with a clean shutdown.
  CommandResult socket = stack_->Shell("test -e " + stack_->root() + "/run/imaged.sock");
  EXPECT_NE(socket.exit_code, 0);
}


TEST_F(StackTest, BadRequestBodiesGetClearErrorsAndHarmNothing) {
  std::string curl = "curl -sS --unix-socket " + ShellQuote(stack_->docker_host().substr(7)) +
                     " -H 'Content-Type: application/json' -w ' %{http_code}' ";
  CommandResult bad = stack_->Shell(curl + "-XPOST -d '{bad json' http://localhost/v1.41/containers/create");
  EXPECT_EQ(bad.out, "{\"message\":\"invalid JSON in the request body\"}\n 400") << bad.err;
  // A body far over the limit, with a Content-Length: refused with a response
  // the client can read (not a reset), and the daemon keeps serving.
  CommandResult huge = stack_->Shell("head -c 50000000 /dev/zero | " + curl +
                                     "-XPOST --data-binary @- http://localhost/v1.41/containers/create");
  EXPECT_THAT(huge.out, HasSubstr("request body too large"));
  EXPECT_THAT(huge.out, HasSubstr(" 400"));
  CommandResult unknown = stack_->Shell(curl + "http://localhost/v1.41/no/such/route");
  EXPECT_EQ(unknown.out, "{\"message\":\"page not found\"}\n 404");
  EXPECT_EQ(stack_->Docker("version").exit_code, 0);
  EXPECT_EQ(stack_->Docker("ps -a -q").out, "");
}

TEST_F(StackTest, HostileImportAndBadNamesAreRefusedAndStoreNothing) {
  // A tarball that writes through a symlink to / and climbs out with "..".
  std::string tar = stack_->root() + "/evil.tar";
  CommandResult made = stack_->Shell(
      "/usr/bin/python3 -c '\n"
      "import io, sys, tarfile\n"
      "with tarfile.open(sys.argv[1], \"w\") as t:\n"
      "    i = tarfile.TarInfo(\"a\"); i.type = tarfile.SYMTYPE; i.linkname = \"/\"; t.addfile(i)\n"
      "    i = tarfile.TarInfo(\"a/tmp/berth-pwned\"); i.size = 1; t.addfile(i, io.BytesIO(b\"x\"))\n"
      "' " + tar);
  ASSERT_EQ(made.exit_code, 0) << made.err;
  CommandResult imported = stack_->Docker("import " + tar + " evil:1");
  EXPECT_NE(imported.exit_code, 0);
  EXPECT_THAT(imported.err, HasSubstr("goes through symlink"));
  EXPECT_NE(stack_->Shell("test -e /tmp/berth-pwned").exit_code, 0);
  CommandResult junk = stack_->Shell("head -c 3000 /dev/urandom > " + tar + " && docker import " +
                                     tar + " junk:1");
  EXPECT_NE(junk.exit_code, 0);
  EXPECT_THAT(junk.err, HasSubstr("not a tar archive"));
  EXPECT_EQ(stack_->Docker("images -q").out, "");
  // Nothing half-made was left in imaged's store.
  EXPECT_EQ(stack_->Shell("ls -A " + stack_->root() + "/lib/imaged/layers " + stack_->root() +
                          "/lib/imaged/tmp").out.find("diff"),
            std::string::npos);

  CommandResult bad_name = stack_->Docker("create --name ../x busybox true");
  EXPECT_NE(bad_name.exit_code, 0);
  EXPECT_THAT(bad_name.err, ::testing::AnyOf(HasSubstr("Invalid container name"),
                                             HasSubstr("No such image")));
  CommandResult missing = stack_->Docker("rm berth-nope");
  EXPECT_THAT(missing.err, HasSubstr("No such container: berth-nope"));
}

}  // namespace
}  // namespace berth::e2e
