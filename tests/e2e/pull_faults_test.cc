// Pulls through a misbehaving registry (issue 8): Debian's docker-registry on
// loopback holds a 3-layer image of ~24 MB; the pulls go through
// support/flaky_registry_proxy.py (a Python http.server the test starts),
// which fails the first GET of every blob (retried, layers downloaded in
// parallel), serves truncated blobs (refused, nothing stored), or serves
// slowly so that imaged can be SIGKILLed mid-pull (the restarted store is
// consistent and a later pull completes with the same image id). Two
// concurrent pulls of the image download each layer once; a push through the
// proxy (which records upload requests) mounts blobs the registry holds in
// another repository and sends a big blob in chunks; imaged's /metrics move.
#include <signal.h>

#include <chrono>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/support/registry.h"
#include "tests/e2e/support/stack.h"

namespace berth::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class PullFaultsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SKIP_UNLESS_ROOT();
    if (!LocalRegistry::Available()) GTEST_SKIP() << "docker-registry is not installed";
    std::string error;
    stack_ = Stack::StartWithBusybox(&error);
    ASSERT_NE(stack_, nullptr) << error;
    registry_ = LocalRegistry::Start(stack_->root() + "/registry", "", &error);
    ASSERT_NE(registry_, nullptr) << error;
    StartProxy();
    PushBigImage();
  }

  void TearDown() override {
    if (proxy_pid_ > 0) {
      ::kill(proxy_pid_, SIGTERM);
      RunShell("for i in $(seq 50); do kill -0 " + std::to_string(proxy_pid_) +
               " 2>/dev/null || exit 0; sleep 0.1; done; kill -9 " + std::to_string(proxy_pid_));
    }
    registry_.reset();
    stack_.reset();
  }

  void StartProxy() {
    state_ = stack_->root() + "/proxy";
    ASSERT_EQ(RunShell("mkdir -p " + state_).exit_code, 0);
    int port = FreeLoopbackPort();
    ASSERT_GT(port, 0);
    proxy_ = "127.0.0.1:" + std::to_string(port);
    CommandResult started =
        RunShell("python3 " + Stack::SourceDir() + "/tests/e2e/support/flaky_registry_proxy.py " +
                 std::to_string(port) + " " + registry_->address() + " " + state_ + " >" +
                 state_ + "/out 2>&1 & echo $!");
    ASSERT_EQ(started.exit_code, 0);
    proxy_pid_ = std::stoi(started.out);
    CommandResult up = RunShell("for i in $(seq 100); do curl -fsS http://" + proxy_ +
                                "/v2/ >/dev/null 2>&1 && exit 0; sleep 0.1; done; exit 1");
    ASSERT_EQ(up.exit_code, 0) << ReadFileText(state_ + "/out");
  }

  void SetMode(const std::string& mode) {
    ASSERT_EQ(RunShell("echo " + mode + " > " + state_ + "/mode; : > " + state_ + "/log").exit_code,
              0);
  }

  // Three 8 MB layers of random data on busybox, pushed straight to the
  // registry; then removed locally (with the build's intermediates).
  void PushBigImage() {
    std::string ctx = stack_->root() + "/big-ctx";
    ASSERT_EQ(RunShell("mkdir -p " + ctx + " && printf '%s\\n' 'FROM busybox' "
                       "'RUN head -c 8000000 /dev/urandom > /r1' "
                       "'RUN head -c 8000000 /dev/urandom > /r2' "
                       "'RUN head -c 8000000 /dev/urandom > /r3' > " + ctx + "/Dockerfile")
                  .exit_code,
              0);
    CommandResult built = stack_->Docker("build -q -t big:1 " + ctx,
                                         {.timeout = std::chrono::seconds(180)});
    ASSERT_EQ(built.exit_code, 0) << built.out << built.err;
    direct_ = registry_->address() + "/faults/big:1";
    via_proxy_ = proxy_ + "/faults/big:1";
    ASSERT_EQ(stack_->Docker("tag big:1 " + direct_).exit_code, 0);
    CommandResult pushed = stack_->Docker("push " + direct_, {.timeout = std::chrono::seconds(180)});
    ASSERT_EQ(pushed.exit_code, 0) << pushed.out << pushed.err;
    id_ = Trimmed(stack_->Docker("image inspect -f '{{.Id}}' big:1").out);
    ASSERT_EQ(stack_->Docker("rmi big:1 " + direct_).exit_code, 0);
    ASSERT_EQ(stack_->Docker("image prune -a -f").exit_code, 0);
  }

  std::string Images() {
    return stack_->Docker("images -a --no-trunc --format '{{.ID}} {{.Repository}}:{{.Tag}}'").out;
  }
  std::string ImagedTmp() {
    return stack_->Shell("ls -A " + stack_->root() + "/lib/imaged/tmp").out;
  }
  int LogLines(const std::string& needle) {
    CommandResult n = RunShell("grep -c " + ShellQuote(needle) + " " + state_ + "/log");
    return n.out.empty() ? 0 : std::stoi(n.out);
  }

  // The value of one sample line of imaged's /metrics ("name{labels}"), or -1.
  double Metric(const std::string& sample) {
    CommandResult m = RunShell("curl -fsS http://" + stack_->MetricsAddress("imaged") +
                               "/metrics | grep -F " + ShellQuote(sample + " ") +
                               " | head -1 | awk '{print $2}'");
    return Trimmed(m.out).empty() ? -1 : std::stod(Trimmed(m.out));
  }

  // Restarts imaged with extra flags (berth-up's BERTH_IMAGED_FLAGS).
  void RestartImaged(const std::string& flags) {
    int imaged = stack_->ServicePid("imaged");
    ASSERT_GT(imaged, 0);
    ASSERT_EQ(::kill(imaged, SIGTERM), 0);
    RunShell("for i in $(seq 100); do kill -0 " + std::to_string(imaged) +
             " 2>/dev/null || exit 0; sleep 0.1; done");
    CommandResult up = stack_->Shell("BERTH_IMAGED_FLAGS=" + ShellQuote(flags) + " " +
                                     Stack::SourceDir() + "/deploy/berth-up --root " +
                                     ShellQuote(stack_->root()),
                                     {.timeout = std::chrono::seconds(60)});
    ASSERT_EQ(up.exit_code, 0) << up.err;
  }

  std::unique_ptr<Stack> stack_;
  std::unique_ptr<LocalRegistry> registry_;
  std::string state_;
  std::string proxy_;
  int proxy_pid_ = -1;
  std::string direct_;
  std::string via_proxy_;
  std::string id_;
};

TEST_F(PullFaultsTest, FirstAttemptFailuresAreRetriedAndLayersComeInParallel) {
  SetMode("fail-first");
  CommandResult pulled = stack_->Docker("pull " + via_proxy_, {.timeout = std::chrono::seconds(120)});
  ASSERT_EQ(pulled.exit_code, 0) << pulled.out << pulled.err;
  EXPECT_THAT(pulled.out, HasSubstr("Retrying in"));
  EXPECT_EQ(Trimmed(stack_->Docker("image inspect -f '{{.Id}}' " + via_proxy_).out), id_);
  // Every layer blob (4: busybox + 3) failed once and was fetched again.
  EXPECT_EQ(LogLines(" 503"), 4) << ReadFileText(state_ + "/log");
  EXPECT_EQ(LogLines(" fail-first"), 4) << ReadFileText(state_ + "/log");
  EXPECT_GE(std::stoi(ReadFileText(state_ + "/max_inflight")), 2);
  EXPECT_LE(std::stoi(ReadFileText(state_ + "/max_inflight")), 3);  // dockerd's bound
  CommandResult ran = stack_->Docker("run --rm " + via_proxy_ + " sh -c 'wc -c /r1 /r2 /r3'");
  EXPECT_THAT(ran.out, HasSubstr("24000000 total"));
  EXPECT_EQ(ImagedTmp(), "");
}

TEST_F(PullFaultsTest, TruncatedBlobIsRefusedAndNothingIsStored) {
  SetMode("short");
  const std::string before = Images();
  const std::string layers_before =
      stack_->Shell("ls " + stack_->root() + "/lib/imaged/layers | sort").out;
  CommandResult pulled = stack_->Docker("pull " + via_proxy_, {.timeout = std::chrono::seconds(120)});
  EXPECT_NE(pulled.exit_code, 0) << pulled.out;
  EXPECT_THAT(pulled.err, HasSubstr("truncated"));
  EXPECT_GE(LogLines(" short"), 1);
  // Never retried (the data is bad, not the connection): no blob asked twice.
  EXPECT_EQ(RunShell("cut -d' ' -f1 " + state_ + "/log | sort | uniq -d").out, "");
  EXPECT_EQ(Images(), before);
  EXPECT_EQ(ImagedTmp(), "");
  EXPECT_EQ(stack_->Shell("ls " + stack_->root() + "/lib/imaged/layers | sort").out, layers_before);
}

TEST_F(PullFaultsTest, PullKilledMidwayLeavesAConsistentStoreAndALaterPullCompletes) {
  SetMode("slow");
  const std::string before = Images();
  const std::string layers_before =
      stack_->Shell("ls " + stack_->root() + "/lib/imaged/layers | sort").out;
  CommandResult started = stack_->Shell("docker pull " + via_proxy_ + " >" + state_ +
                                        "/pull.out 2>&1 & echo $!");
  ASSERT_EQ(started.exit_code, 0);
  // Kill imaged once blob bytes flow (staged data in tmp/).
  bool flowing = false;
  for (int i = 0; i < 200 && !flowing; ++i) {
    flowing = LogLines(" slow") >= 2 && ImagedTmp() != "";
    if (!flowing) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(flowing) << ReadFileText(state_ + "/log");
  int imaged = stack_->ServicePid("imaged");
  ASSERT_GT(imaged, 0);
  ASSERT_EQ(::kill(imaged, SIGKILL), 0);
  RunShell("for i in $(seq 100); do kill -0 " + Trimmed(started.out) +
           " 2>/dev/null || exit 0; sleep 0.1; done");
  EXPECT_THAT(ReadFileText(state_ + "/pull.out"), Not(HasSubstr("Downloaded newer image")));

  CommandResult up = stack_->Up();
  ASSERT_EQ(up.exit_code, 0) << up.err;
  // Restarted: no half-pulled image, layer or staging file.
  EXPECT_EQ(Images(), before);
  EXPECT_EQ(ImagedTmp(), "");
  EXPECT_EQ(stack_->Shell("ls " + stack_->root() + "/lib/imaged/layers | sort").out, layers_before);

  SetMode("pass");
  CommandResult pulled = stack_->Docker("pull " + via_proxy_, {.timeout = std::chrono::seconds(120)});
  ASSERT_EQ(pulled.exit_code, 0) << pulled.out << pulled.err;
  EXPECT_EQ(Trimmed(stack_->Docker("image inspect -f '{{.Id}}' " + via_proxy_).out), id_);
  EXPECT_EQ(ImagedTmp(), "");
}

TEST_F(PullFaultsTest, ConcurrentPullsOfOneImageDownloadEachLayerOnce) {
  SetMode("slow");  // ~8 s per layer: the second pull starts while the first downloads
  CommandResult both = stack_->Shell(
      "cd " + state_ + " && { (docker pull " + via_proxy_ + " >p1 2>&1; echo $? >r1) & "
      "(sleep 0.5; docker pull " + via_proxy_ + " >p2 2>&1; echo $? >r2) & wait; }",
      {.timeout = std::chrono::seconds(240)});
  ASSERT_EQ(both.exit_code, 0);
  const std::string out = ReadFileText(state_ + "/p1") + ReadFileText(state_ + "/p2");
  EXPECT_EQ(Trimmed(ReadFileText(state_ + "/r1")), "0") << out;
  EXPECT_EQ(Trimmed(ReadFileText(state_ + "/r2")), "0") << out;
  // Each of the 4 layer blobs was asked for once: the later pull waited.
  EXPECT_EQ(LogLines(" slow"), 4) << ReadFileText(state_ + "/log");
  EXPECT_EQ(RunShell("cut -d' ' -f1 " + state_ + "/log | sort | uniq -d").out, "");
  EXPECT_THAT(out, HasSubstr("Waiting"));
  EXPECT_EQ(Trimmed(stack_->Docker("image inspect -f '{{.Id}}' " + via_proxy_).out), id_);
  EXPECT_EQ(ImagedTmp(), "");
  // Metrics: two good pulls, the layers' bytes once, 4 unpack timings, a store.
  EXPECT_EQ(Metric("berth_imaged_pulls_total{result=\"ok\"}"), 2);
  const double pulled = Metric("berth_imaged_registry_bytes_total{direction=\"pull\"}");
  EXPECT_GE(pulled, 24e6);
  EXPECT_LT(pulled, 2 * 24e6);
  EXPECT_GE(Metric("berth_imaged_layer_unpack_seconds_count"), 4);
  EXPECT_GE(Metric("berth_imaged_store_bytes{kind=\"layers\"}"), 24e6);
  EXPECT_GE(Metric("berth_imaged_store_bytes{kind=\"blobs\"}"), 24e6);
}

TEST_F(PullFaultsTest, PushMountsKnownBlobsAndSendsBigBlobsInChunks) {
  SetMode("pass");
  RestartImaged("--push_chunk_bytes=3000000");
  CommandResult pulled = stack_->Docker("pull " + via_proxy_, {.timeout = std::chrono::seconds(120)});
  ASSERT_EQ(pulled.exit_code, 0) << pulled.out << pulled.err;
  const std::string requests = state_ + "/requests";
  RunShell(": > " + requests);

  // The pulled image to another repository of the same registry: every
  // layer is mounted from faults/big, none uploaded.
  const std::string mounted = proxy_ + "/mounted/big:1";
  ASSERT_EQ(stack_->Docker("tag " + via_proxy_ + " " + mounted).exit_code, 0);
  CommandResult pushed = stack_->Docker("push " + mounted, {.timeout = std::chrono::seconds(120)});
  ASSERT_EQ(pushed.exit_code, 0) << pushed.out << pushed.err;
  EXPECT_THAT(pushed.out, HasSubstr("Mounted from faults/big"));
  std::string log = ReadFileText(requests);
  EXPECT_EQ(RunShell("grep -c '^POST /v2/mounted/big/blobs/uploads/?mount=sha256.*&from=faults%2Fbig "
                     "201' " + requests).out, "4\n") << log;
  EXPECT_EQ(RunShell("grep -c '^PATCH' " + requests).out, "0\n") << log;

  // A locally imported 7 MB layer, above the 3 MB chunk size: three PATCHes
  // with Content-Range, then a PUT without a body.
  RunShell(": > " + requests);
  ASSERT_EQ(stack_->Shell("cd " + state_ + " && head -c 7000000 /dev/urandom > big.bin && "
                          "tar cf chunky.tar big.bin && docker import chunky.tar chunky:1 >/dev/null")
                .exit_code, 0);
  const std::string chunky_id = Trimmed(stack_->Docker("image inspect -f '{{.Id}}' chunky:1").out);
  const std::string chunky = proxy_ + "/chunked/img:1";
  ASSERT_EQ(stack_->Docker("tag chunky:1 " + chunky).exit_code, 0);
  pushed = stack_->Docker("push " + chunky, {.timeout = std::chrono::seconds(120)});
  ASSERT_EQ(pushed.exit_code, 0) << pushed.out << pushed.err;
  log = ReadFileText(requests);
  EXPECT_EQ(RunShell("grep -c '^PATCH /v2/chunked/img/blobs/uploads/.* 202 ' " + requests).out,
            "3\n") << log;
  EXPECT_THAT(log, HasSubstr(" 202 0-2999999\n"));
  EXPECT_THAT(log, HasSubstr(" 202 3000000-5999999\n"));
  EXPECT_THAT(log, HasSubstr(" 202 6000000-"));
  // The config (small) goes monolithic: one PUT with the digest and a body.
  EXPECT_EQ(RunShell("grep -c '^PUT /v2/chunked/img/blobs/uploads/.*digest=sha256.* 201' " +
                     requests).out, "2\n") << log;
  const std::string pushed_digest =
      Trimmed(RunShell("echo " + ShellQuote(pushed.out) + " | grep -o 'digest: sha256:[0-9a-f]*' | "
                       "cut -d' ' -f2").out);
  ASSERT_FALSE(pushed_digest.empty()) << pushed.out;

  // Pulled back straight from the registry: same ids and manifest digests.
  ASSERT_EQ(stack_->Docker("rmi -f " + chunky + " chunky:1 " + mounted).exit_code, 0);
  const std::string direct_chunky = registry_->address() + "/chunked/img:1";
  pulled = stack_->Docker("pull " + direct_chunky, {.timeout = std::chrono::seconds(120)});
  ASSERT_EQ(pulled.exit_code, 0) << pulled.out << pulled.err;
  EXPECT_THAT(pulled.out, HasSubstr("Digest: " + pushed_digest));
  EXPECT_EQ(Trimmed(stack_->Docker("image inspect -f '{{.Id}}' " + direct_chunky).out), chunky_id);
  pulled = stack_->Docker("pull " + registry_->address() + "/mounted/big:1",
                          {.timeout = std::chrono::seconds(120)});
  ASSERT_EQ(pulled.exit_code, 0) << pulled.out << pulled.err;
  EXPECT_EQ(Trimmed(stack_->Docker("image inspect -f '{{.Id}}' " + registry_->address() +
                                   "/mounted/big:1").out), id_);

  // Metrics: two good pushes; the uploaded bytes are the 7 MB layer and
  // configs, not the mounted 24 MB.
  EXPECT_EQ(Metric("berth_imaged_pushes_total{result=\"ok\"}"), 2);
  const double sent = Metric("berth_imaged_registry_bytes_total{direction=\"push\"}");
  EXPECT_GE(sent, 7e6);
  EXPECT_LT(sent, 8e6);
}

}  // namespace
}  // namespace berth::e2e
