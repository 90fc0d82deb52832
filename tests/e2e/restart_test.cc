// Restart policies end to end (issue 9): runtimed restarts an exiting
// container per its policy with dockerd's backoff and counts it; the policy
// survives a SIGKILL of runtimed (the shims stay) and a whole-stack restart
// (every process gone), with the published port answering again. Driven by
// the docker CLI, berth and docker-py.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/support/command.h"
#include "tests/e2e/support/stack.h"
#include "tests/e2e/support/stack_fixture.h"

namespace berth::e2e {
namespace {

using ::testing::HasSubstr;

class RestartPolicyTest : public BusyboxStackTest {
 protected:
  std::string Inspect(const std::string& name, const std::string& format) {
    return Trimmed(stack_->Docker("inspect -f '" + format + "' " + name).out);
  }
  // Polls (bounded) until `format` of `name` reads `want`.
  bool AwaitInspect(const std::string& name, const std::string& format, const std::string& want,
                    int seconds = 30) {
    for (int i = 0; i < seconds * 10; ++i) {
      if (Inspect(name, format) == want) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }
  bool Answers(const std::string& url, int tries = 100) {
    for (int i = 0; i < tries; ++i) {
      if (stack_->Shell("curl -sf --max-time 2 " + url).out == "hello from berth httpd\n") {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }
  int RestartsMetric() {
    std::string metrics =
        stack_->Shell("curl -sf http://" + stack_->MetricsAddress("runtimed") + "/metrics").out;
    for (absl::string_view line : absl::StrSplit(metrics, '\n')) {
      if (absl::StartsWith(line, "berth_runtimed_container_restarts_total ")) {
        double v = 0;
        if (absl::SimpleAtod(line.substr(line.find(' ') + 1), &v)) return static_cast<int>(v);
      }
    }
    return -1;
  }
  // Runs an always-restarting httpd published on a fresh port; returns its URL.
  std::string RunAlwaysHttpd(const std::string& name) {
    int port = FreePort();
    CommandResult run = stack_->Berth("run -d --restart always --name " + name +
                                      " -p 127.0.0.1:" + std::to_string(port) +
                                      ":80 busybox httpd -f -p 80 -h /var/www");
    EXPECT_EQ(run.exit_code, 0) << run.err;
    std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
    EXPECT_TRUE(Answers(url));
    return url;
  }
};

TEST_F(RestartPolicyTest, OnFailureTwoStopsAfterTwoRestarts) {
  std::string since = absl::StrCat(absl::ToUnixSeconds(absl::Now()) - 1);
  CommandResult run =
      stack_->Docker("run -d --name rp-fail --restart on-failure:2 busybox sh -c 'exit 3'");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  // Two restarts (100 ms, then 200 ms of backoff), then it stays exited.
  ASSERT_TRUE(AwaitInspect("rp-fail", "{{.RestartCount}} {{.State.Status}}", "2 exited"))
      << Inspect("rp-fail", "{{.RestartCount}} {{.State.Status}}");
  std::this_thread::sleep_for(std::chrono::seconds(1));
  EXPECT_EQ(Inspect("rp-fail", "{{.RestartCount}} {{.State.Status}} {{.State.ExitCode}}"),
            "2 exited 3");
  EXPECT_EQ(Inspect("rp-fail", "{{.HostConfig.RestartPolicy.Name}}:"
                               "{{.HostConfig.RestartPolicy.MaximumRetryCount}}"),
            "on-failure:2");
  std::string until = absl::StrCat(absl::ToUnixSeconds(absl::Now()) + 1);
  CommandResult events = stack_->Docker("events --since " + since + " --until " + until +
                                        " --filter container=rp-fail --format '{{.Action}}'");
  ASSERT_EQ(events.exit_code, 0) << events.err;
  EXPECT_EQ(events.out, "create\nstart\ndie\nstart\ndie\nstart\ndie\n");
  EXPECT_EQ(RestartsMetric(), 2);
}

TEST_F(RestartPolicyTest, RestartingShowsInPsAndAStopEndsThePolicy) {
  // The third backoff (400 ms) and later ones are long enough to see.
  ASSERT_EQ(stack_->Docker("run -d --name rp-loop --restart always busybox true").exit_code, 0);
  ASSERT_TRUE(AwaitInspect("rp-loop", "{{.State.Status}}", "restarting"));
  CommandResult ps = stack_->Docker("ps -a --filter name=rp-loop --format '{{.Status}}'");
  EXPECT_THAT(ps.out, HasSubstr("Restarting (0)"));
  CommandResult stop = stack_->Docker("stop rp-loop");
  EXPECT_EQ(stop.exit_code, 0) << stop.err;
  EXPECT_EQ(Inspect("rp-loop", "{{.State.Status}}"), "exited");
  int count = std::stoi(Inspect("rp-loop", "{{.RestartCount}}"));
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_EQ(Inspect("rp-loop", "{{.State.Status}} {{.RestartCount}}"),
            "exited " + std::to_string(count));
}

TEST_F(RestartPolicyTest, UpdateChangesThePolicyAndBadPoliciesAreRefused) {
  ASSERT_EQ(stack_->Docker("run -d --name rp-upd busybox sleep 1000").exit_code, 0);
  CommandResult update = stack_->Docker("update --restart unless-stopped rp-upd");
  EXPECT_EQ(update.exit_code, 0) << update.err;
  EXPECT_EQ(Inspect("rp-upd", "{{.HostConfig.RestartPolicy.Name}}"), "unless-stopped");
  // A kill by the container's own means (not the user's): the policy restarts it.
  std::string pid = Inspect("rp-upd", "{{.State.Pid}}");
  ASSERT_EQ(stack_->Shell("kill -9 " + pid).exit_code, 0);
  ASSERT_TRUE(AwaitInspect("rp-upd", "{{.State.Status}} {{.RestartCount}}", "running 1"));
  // Resource-only updates leave the policy alone.
  EXPECT_EQ(stack_->Docker("update --cpu-shares 512 rp-upd").exit_code, 0);
  EXPECT_EQ(Inspect("rp-upd", "{{.HostConfig.RestartPolicy.Name}}"), "unless-stopped");

  CommandResult bad = stack_->Docker("run -d --restart sometimes busybox true");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_THAT(bad.err, HasSubstr("invalid restart policy: unknown policy 'sometimes'"));
  CommandResult count = stack_->Docker("run -d --restart always:3 busybox true");
  EXPECT_THAT(count.err, HasSubstr("maximum retry count can only be used with 'on-failure'"));
  CommandResult rm = stack_->Berth("run --rm --restart always busybox true");
  EXPECT_NE(rm.exit_code, 0);
  EXPECT_THAT(rm.err, HasSubstr("Conflicting options: --restart and --rm"));
  // docker-py sends what the docker CLI refuses itself: dockerd's text.
  CommandResult py = stack_->Shell(R"(/usr/bin/python3 - <<'PY'
import docker
client = docker.from_env(timeout=30)
try:
    client.containers.create("busybox", "true", auto_remove=True,
                             restart_policy={"Name": "always"})
    print("created")
except docker.errors.APIError as e:
    print(e.explanation)
c = client.containers.create("busybox", "true", name="rp-py",
                             restart_policy={"Name": "on-failure", "MaximumRetryCount": 4})
c.reload()
print(c.attrs["HostConfig"]["RestartPolicy"])
PY)");
  EXPECT_EQ(py.exit_code, 0) << py.err;
  EXPECT_THAT(py.out, HasSubstr("can't create 'AutoRemove' container with restart policy"));
  EXPECT_THAT(py.out, HasSubstr("'Name': 'on-failure', 'MaximumRetryCount': 4"));
}

TEST_F(RestartPolicyTest, AlwaysComesBackAfterRuntimedIsKilled) {
  std::string url = RunAlwaysHttpd("rp-rt");
  std::string pid = Inspect("rp-rt", "{{.State.Pid}}");
  // runtimed goes; the container then dies while nobody watches its shim.
  ASSERT_EQ(::kill(stack_->ServicePid("runtimed"), SIGKILL), 0);
  ASSERT_EQ(stack_->Shell("kill -9 " + pid).exit_code, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CommandResult up = stack_->Up();
  ASSERT_EQ(up.exit_code, 0) << up.err;
  // The new runtimed learns the exit from the shim's record and restarts it
  // in the same network namespace: the same address answers.
  ASSERT_TRUE(AwaitInspect("rp-rt", "{{.State.Status}} {{.RestartCount}}", "running 1"))
      << Inspect("rp-rt", "{{.State.Status}} {{.RestartCount}}");
  EXPECT_NE(Inspect("rp-rt", "{{.State.Pid}}"), pid);
  EXPECT_TRUE(Answers(url));
  // apid kept the endpoint across the restart (it follows the die event).
  EXPECT_THAT(stack_->Berth("ps").out, HasSubstr("rp-rt"));
}

TEST_F(RestartPolicyTest, AlwaysComesBackAfterTheWholeStackIsKilled) {
  std::string url = RunAlwaysHttpd("rp-all");
  ASSERT_EQ(stack_->Docker("run -d --name rp-stopped --restart unless-stopped busybox sleep 1000")
                .exit_code,
            0);
  ASSERT_EQ(stack_->Docker("stop -t 1 rp-stopped").exit_code, 0);
  // Every daemon and every shim of this stack, with their containers.
  for (const char* svc : {"apid", "runtimed", "imaged", "netd"}) {
    ASSERT_EQ(::kill(stack_->ServicePid(svc), SIGKILL), 0) << svc;
  }
  CommandResult shims = stack_->Shell(
      "for p in $(pgrep -x berth-shim); do if tr '\\0' ' ' < /proc/$p/cmdline | grep -qF '" +
      stack_->root() + "/'; then pkill -KILL -P $p; kill -KILL $p; fi; done; true");
  ASSERT_EQ(shims.exit_code, 0) << shims.err;
  EXPECT_FALSE(Answers(url, 3));
  CommandResult up = stack_->Up();
  ASSERT_EQ(up.exit_code, 0) << up.err;
  ASSERT_TRUE(AwaitInspect("rp-all", "{{.State.Status}}", "running"));
  EXPECT_TRUE(Answers(url));
  // unless-stopped remembers the user's stop.
  EXPECT_EQ(Inspect("rp-stopped", "{{.State.Status}}"), "exited");
}

TEST_F(RestartPolicyTest, AlwaysComesBackAfterBerthDownAndUp) {
  std::string url = RunAlwaysHttpd("rp-down");
  // Everything stops and is cleaned (shims, mounts, netns, bridge, rules);
  // only the records stay, as with a dockerd stop.
  CommandResult down = stack_->Shell(Stack::SourceDir() + "/deploy/berth-down --root " +
                                     stack_->root() + " --keep-containers");
  ASSERT_EQ(down.exit_code, 0) << down.err;
  EXPECT_FALSE(Answers(url, 3));
  CommandResult up = stack_->Up();
  ASSERT_EQ(up.exit_code, 0) << up.err;
  // runtimed cannot restart it in place (its netns is gone); apid starts it
  // through the normal start workflow, with a new endpoint.
  ASSERT_TRUE(AwaitInspect("rp-down", "{{.State.Status}}", "running"));
  EXPECT_TRUE(Answers(url));
  EXPECT_EQ(Inspect("rp-down", "{{.RestartCount}}"), "0");
}

}  // namespace
}  // namespace berth::e2e
