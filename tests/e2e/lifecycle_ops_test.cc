// pause/unpause, top, rename, wait conditions and container prune end to
// end: the real docker CLI (REST facade), the berth CLI (gRPC API) and
// docker-py, each against its own private stack with busybox.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/support/command.h"
#include "tests/e2e/support/stack.h"
#include "tests/e2e/support/stack_fixture.h"

namespace berth::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A busybox loop that writes an increasing number to /out/n every 20 ms.
constexpr char kCounter[] =
    "sh -c 'i=0; while true; do i=$((i+1)); echo $i > /out/n; usleep 20000; done'";

class LifecycleOpsTest : public BusyboxStackCliTest {
 protected:
  void SetUp() override {
    BusyboxStackCliTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    out_dir_ = stack_->root() + "/counter";
    ASSERT_EQ(stack_->Shell("mkdir -p " + out_dir_).exit_code, 0);
  }
  // The counter's value as the container last wrote it; -1 when unreadable.
  long Counter() {
    long n = -1;
    return absl::SimpleAtoi(Trimmed(ReadFileText(out_dir_ + "/n")), &n) ? n : -1;
  }
  // Waits (bounded) until the counter passes `above`; its value then.
  long CounterAbove(long above) {
    for (int i = 0; i < 200; ++i) {
      long n = Counter();
      if (n > above) return n;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return Counter();
  }
  std::string Inspect(const std::string& format, const std::string& name) {
    return Trimmed(stack_->Docker("inspect -f '" + format + "' " + name).out);
  }

  std::string out_dir_;
};

TEST_P(LifecycleOpsTest, PauseFreezesTheCounterAndUnpauseLetsItGoOn) {
  CommandResult run = Cli("run -d --name ctr -v " + out_dir_ + ":/out busybox " + kCounter);
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  ASSERT_GT(CounterAbove(0), 0) << "the counter never started";

  CommandResult pause = Cli("pause ctr");
  ASSERT_EQ(pause.exit_code, 0) << pause.out << pause.err;
  EXPECT_EQ(Trimmed(pause.out), "ctr");
  EXPECT_EQ(Inspect("{{.State.Status}} {{.State.Paused}} {{.State.Running}}", "ctr"),
            "paused true true");
  EXPECT_THAT(Cli("ps").out, HasSubstr("(Paused)"));
  const long frozen = Counter();
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  EXPECT_EQ(Counter(), frozen) << "the counter moved while paused";

  // Paused: exec, a second pause and start are refused with Docker's words.
  CommandResult exec = Cli("exec ctr true");
  EXPECT_NE(exec.exit_code, 0);
  EXPECT_THAT(exec.err, HasSubstr("is paused, unpause the container before exec"));
  CommandResult again = Cli("pause ctr");
  EXPECT_NE(again.exit_code, 0);
  EXPECT_THAT(again.err, HasSubstr("is already paused"));
  // top works on a paused container, as in Docker.
  EXPECT_EQ(Cli("top ctr").exit_code, 0);

  CommandResult unpause = Cli("unpause ctr");
  ASSERT_EQ(unpause.exit_code, 0) << unpause.err;
  EXPECT_EQ(Inspect("{{.State.Status}} {{.State.Paused}}", "ctr"), "running false");
  EXPECT_GT(CounterAbove(frozen), frozen) << "the counter did not move after unpause";
  CommandResult not_paused = Cli("unpause ctr");
  EXPECT_NE(not_paused.exit_code, 0);
  EXPECT_THAT(not_paused.err, HasSubstr("is not paused"));

  // Stop of a paused container works as in Docker (thawed after the signal;
  // the shell as pid 1 ignores SIGTERM, so SIGKILL after the timeout).
  ASSERT_EQ(Cli("pause ctr").exit_code, 0);
  auto before = std::chrono::steady_clock::now();
  CommandResult stop = Cli("stop -t 2 ctr");
  EXPECT_EQ(stop.exit_code, 0) << stop.err;
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(20));
  EXPECT_EQ(Inspect("{{.State.Status}} {{.State.Paused}}", "ctr"), "exited false");
  CommandResult not_running = Cli("pause ctr");
  EXPECT_THAT(not_running.err, HasSubstr("is not running"));

  // The events, in order.
  CommandResult events = stack_->Docker(
      absl::StrCat("events --since 1 --until ", time(nullptr) + 1,
                   " --filter container=ctr --filter event=pause --filter event=unpause "
                   "--filter event=die --format '{{.Action}}'"));
  EXPECT_EQ(Trimmed(events.out), "pause\nunpause\npause\nunpause\ndie") << events.err;
}

TEST_P(LifecycleOpsTest, KillOfAPausedContainerEndsIt) {
  ASSERT_EQ(Cli("run -d --name kk busybox sleep 600").exit_code, 0);
  ASSERT_EQ(Cli("pause kk").exit_code, 0);
  CommandResult kill = Cli("kill kk");
  EXPECT_EQ(kill.exit_code, 0) << kill.err;
  CommandResult wait = Cli("wait kk");
  EXPECT_EQ(Trimmed(wait.out), "137") << wait.err;
}

TEST_P(LifecycleOpsTest, TopListsTheContainersProcessesOnly) {
  ASSERT_EQ(Cli("run -d --name tt busybox sh -c 'sleep 1234 & exec sleep 4321'").exit_code, 0);
  CommandResult top;
  for (int i = 0; i < 50; ++i) {  // the background sleep may take a moment
    top = Cli("top tt");
    if (top.out.find("sleep 1234") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(top.exit_code, 0) << top.err;
  std::vector<std::string> lines = absl::StrSplit(Trimmed(top.out), '\n');
  ASSERT_EQ(lines.size(), 3u) << top.out;  // header + the two sleeps, nothing of the host
  EXPECT_THAT(lines[0], HasSubstr("PID"));
  EXPECT_THAT(lines[0], HasSubstr("CMD"));
  EXPECT_THAT(top.out, HasSubstr("sleep 1234"));
  EXPECT_THAT(top.out, HasSubstr("sleep 4321"));
  // The host pid of the container's init is one of the rows.
  EXPECT_THAT(top.out, HasSubstr(" " + Inspect("{{.State.Pid}}", "tt") + " "));

  CommandResult custom = Cli("top tt -o pid,comm");
  ASSERT_EQ(custom.exit_code, 0) << custom.err;
  std::vector<std::string> rows = absl::StrSplit(Trimmed(custom.out), '\n');
  ASSERT_EQ(rows.size(), 3u) << custom.out;
  EXPECT_THAT(rows[0], ::testing::MatchesRegex("PID +COMMAND"));

  CommandResult renamed_pid = Cli("top tt -o user=PID");
  EXPECT_NE(renamed_pid.exit_code, 0);
  EXPECT_THAT(renamed_pid.err, HasSubstr("is not allowed"));
  ASSERT_EQ(Cli("kill tt").exit_code, 0);
  Cli("wait tt");
  CommandResult stopped = Cli("top tt");
  EXPECT_NE(stopped.exit_code, 0);
  EXPECT_THAT(stopped.err, HasSubstr("is not running"));
}

TEST_P(LifecycleOpsTest, RenameChangesTheNameEverywhereIncludingTheEmbeddedDns) {
  const std::string net = absl::StrCat("ren", GetParam(), ::getpid());
  const int pid = ::getpid();
  const std::string subnet =
      absl::StrCat("10.", 200 + pid % 20, ".", (pid * 3 + (GetParam() == "docker" ? 0 : 1)) % 250,
                   ".0/24");
  ASSERT_EQ(stack_->Docker("network create --subnet " + subnet + " " + net).exit_code, 0);
  ASSERT_EQ(Cli("run -d --name before --network " + net + " busybox sleep 600").exit_code, 0);
  ASSERT_EQ(Cli("run -d --name other busybox sleep 600").exit_code, 0);

  CommandResult taken = Cli("rename before other");
  EXPECT_NE(taken.exit_code, 0);
  EXPECT_THAT(taken.err, HasSubstr("is already in use by container"));
  CommandResult renamed = Cli("rename before after");
  ASSERT_EQ(renamed.exit_code, 0) << renamed.err;
  EXPECT_EQ(Inspect("{{.Name}}", "after"), "/after");
  EXPECT_THAT(Cli("ps --no-trunc").out, HasSubstr("after"));
  EXPECT_EQ(Trimmed(stack_->Docker("network inspect -f '{{range .Containers}}{{.Name}}{{end}}' " +
                                   net).out),
            "after");
  // The embedded DNS answers the new name (the old one is never asked:
  // an unknown name would be forwarded off the machine).
  const std::string ip = Inspect("{{(index .NetworkSettings.Networks \"" + net + "\").IPAddress}}",
                                 "after");
  CommandResult lookup =
      stack_->Docker("run --rm --network " + net + " busybox nslookup after 127.0.0.11");
  EXPECT_EQ(lookup.exit_code, 0) << lookup.out << lookup.err;
  EXPECT_THAT(lookup.out, HasSubstr(ip));
  // The old name is free for a new container.
  EXPECT_EQ(Cli("run -d --name before busybox true").exit_code, 0);
  CommandResult events = stack_->Docker(absl::StrCat(
      "events --since 1 --until ", time(nullptr) + 1,
      " --filter event=rename --format '{{.Actor.Attributes.oldName}} {{.Actor.Attributes.name}}'"));
  EXPECT_EQ(Trimmed(events.out), "/before after") << events.err;
  stack_->Docker("rm -f after other before");
  stack_->Docker("network rm " + net);
}

TEST_P(LifecycleOpsTest, ContainerPruneRemovesOnlyStoppedMatchingContainers) {
  ASSERT_EQ(Cli("run --name gone1 --label prune=yes busybox true").exit_code, 0);
  ASSERT_EQ(Cli("run --name gone2 --label prune=yes busybox true").exit_code, 0);
  ASSERT_EQ(Cli("run --name kept --label prune=no busybox true").exit_code, 0);
  ASSERT_EQ(Cli("run -d --name alive --label prune=yes busybox sleep 600").exit_code, 0);
  const std::string id1 = Inspect("{{.Id}}", "gone1");
  const std::string id2 = Inspect("{{.Id}}", "gone2");
  std::string prune_cmd = GetParam() == "docker" ? "container prune -f --filter label=prune=yes"
                                                 : "container prune --filter label=prune=yes";
  CommandResult pruned = Cli(prune_cmd);
  ASSERT_EQ(pruned.exit_code, 0) << pruned.out << pruned.err;
  EXPECT_THAT(pruned.out, HasSubstr("Deleted Containers:"));
  EXPECT_THAT(pruned.out, HasSubstr(id1));
  EXPECT_THAT(pruned.out, HasSubstr(id2));
  EXPECT_THAT(pruned.out, HasSubstr("Total reclaimed space:"));
  CommandResult ps = stack_->Docker("ps -a --format '{{.Names}}'");
  EXPECT_THAT(ps.out, Not(HasSubstr("gone1")));
  EXPECT_THAT(ps.out, Not(HasSubstr("gone2")));
  EXPECT_THAT(ps.out, HasSubstr("kept"));
  EXPECT_THAT(ps.out, HasSubstr("alive"));
  // until: nothing created in the future of an hour ago.
  CommandResult none = Cli(GetParam() == "docker" ? "container prune -f --filter until=1h"
                                                  : "container prune --filter until=1h");
  EXPECT_EQ(none.exit_code, 0) << none.err;
  EXPECT_THAT(none.out, Not(HasSubstr("Deleted Containers:")));
  EXPECT_THAT(stack_->Docker("ps -a --format '{{.Names}}'").out, HasSubstr("kept"));
  CommandResult bad = Cli(GetParam() == "docker" ? "container prune -f --filter status=exited"
                                                 : "container prune --filter status=exited");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_THAT(bad.err, HasSubstr("invalid filter 'status'"));
}

// --init: tini (Debian's tini-static) is pid 1 as /sbin/docker-init, reaps
// the orphans of the command and forwards the stop signal. The same command
// without --init keeps its zombie (pid 1 is `sleep`, which never waits), so
// the check can fail.
TEST_P(LifecycleOpsTest, InitReapsZombiesAndForwardsSignals) {
  const std::string orphan_maker = "sh -c 'sh -c \"sleep 1 &\"; exec sleep 600'";
  ASSERT_EQ(Cli("run -d --init --name ii busybox " + orphan_maker).exit_code, 0);
  ASSERT_EQ(Cli("run -d --name noinit busybox " + orphan_maker).exit_code, 0);
  const std::string states =
      "exec {} sh -c 'for f in /proc/[0-9]*/stat; do read a b c rest < $f; echo \"$a $b $c\"; "
      "done'";
  auto processes = [&](const std::string& name) {
    std::string cmd = states;
    cmd.replace(cmd.find("{}"), 2, name);
    return Cli(cmd).out;
  };
  std::string with_init, without;
  for (int i = 0; i < 50; ++i) {  // until the orphan has exited (~1 s)
    with_init = processes("ii");
    without = processes("noinit");
    if (without.find(" Z") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_THAT(without, HasSubstr("(sleep) Z")) << "control: a zombie without an init";
  EXPECT_THAT(with_init, HasSubstr("1 (docker-init) S"));
  EXPECT_THAT(with_init, Not(HasSubstr(" Z"))) << with_init;
  EXPECT_EQ(Inspect("{{.HostConfig.Init}}", "ii"), "true");
  // The init binary is read-only inside.
  CommandResult write = Cli("exec i sh -c 'echo x > /sbin/docker-init'");
  EXPECT_NE(write.exit_code, 0);

  // SIGTERM reaches `sleep` (not pid 1, so it dies of it) through tini.
  auto before = std::chrono::steady_clock::now();
  CommandResult stop = Cli("stop -t 30 ii");
  EXPECT_EQ(stop.exit_code, 0) << stop.err;
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(10));
  EXPECT_EQ(Inspect("{{.State.ExitCode}}", "ii"), "143");
  Cli("rm -f noinit");
}

INSTANTIATE_TEST_SUITE_P(Cli, LifecycleOpsTest, ::testing::Values("docker", "berth"),
                         [](const auto& info) { return info.param; });

// The paused state lives in the kernel's freezer: a runtimed killed and
// started again reads it back, and the container is still frozen.
TEST_F(BusyboxStackTest, PausedStateSurvivesARuntimedRestart) {
  const std::string out_dir = stack_->root() + "/counter";
  ASSERT_EQ(stack_->Shell("mkdir -p " + out_dir).exit_code, 0);
  ASSERT_EQ(stack_->Docker("run -d --name pp -v " + out_dir + ":/out busybox " + kCounter).exit_code,
            0);
  auto counter = [&] {
    long n = -1;
    return absl::SimpleAtoi(Trimmed(ReadFileText(out_dir + "/n")), &n) ? n : -1;
  };
  for (int i = 0; i < 200 && counter() <= 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  ASSERT_EQ(stack_->Docker("pause pp").exit_code, 0);
  const long frozen = counter();
  int pid = stack_->ServicePid("runtimed");
  ASSERT_GT(pid, 0);
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  for (int i = 0; i < 100 && ::kill(pid, 0) == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CommandResult up = stack_->Up();
  ASSERT_EQ(up.exit_code, 0) << up.err;
  CommandResult state;
  for (int i = 0; i < 50; ++i) {  // apid reconnects to the new runtimed
    state = stack_->Docker("inspect -f '{{.State.Status}}' pp");
    if (state.exit_code == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_EQ(Trimmed(state.out), "paused") << state.err;
  EXPECT_EQ(counter(), frozen);
  ASSERT_EQ(stack_->Docker("unpause pp").exit_code, 0);
  long later = frozen;
  for (int i = 0; i < 200 && later <= frozen; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    later = counter();
  }
  EXPECT_GT(later, frozen);
}

// docker-py: pause/unpause/top through its own client, and the wait
// conditions dockerd serves (not-running, next-exit, removed).
TEST_F(BusyboxStackTest, DockerPyPauseTopAndWaitConditions) {
  const char* script = R"PY(
import docker, threading, time
client = docker.from_env(timeout=60)
c = client.containers.run("busybox", ["sleep", "600"], detach=True, name="py")
c.pause(); c.reload()
assert c.status == "paused" and c.attrs["State"]["Paused"], c.attrs["State"]
top = c.top()
assert "PID" in top["Titles"] and len(top["Processes"]) == 1, top
assert top["Processes"][0][-1] == "sleep 600", top
c.unpause(); c.reload()
assert c.status == "running", c.status
try:
    client.api.exec_create(c.id, "true"); c.pause(); client.api.exec_create(c.id, "true")
    raise SystemExit("exec into a paused container was not refused")
except docker.errors.APIError as e:
    assert e.status_code == 409 and "is paused" in str(e), e
c.unpause()

# not-running: an exited container answers at once with its code.
done = client.containers.run("busybox", ["sh", "-c", "exit 3"], detach=True)
assert done.wait()["StatusCode"] == 3
assert done.wait(condition="not-running")["StatusCode"] == 3
# next-exit: waits for the next run of a created container.
nxt = client.containers.create("busybox", ["sh", "-c", "sleep 1; exit 4"])
result = {}
t = threading.Thread(target=lambda: result.update(nxt.wait(condition="next-exit", timeout=60)))
t.start(); time.sleep(0.5)
assert t.is_alive(), "next-exit returned before the container ran"
nxt.start(); t.join(60)
assert result.get("StatusCode") == 4, result
# removed: returns only once the container is gone.
rem = client.containers.run("busybox", ["sh", "-c", "exit 5"], detach=True)
rem.wait()
t = threading.Thread(target=lambda: result.update(removed=rem.wait(condition="removed", timeout=60)))
t.start(); time.sleep(0.5)
assert t.is_alive(), "removed returned before the removal"
rem.remove(); t.join(60)
assert result["removed"]["StatusCode"] == 5, result
try:
    done.wait(condition="bogus")
    raise SystemExit("a bad condition was accepted")
except docker.errors.APIError as e:
    assert e.status_code == 400 and "invalid condition" in str(e), e

# prune: the writable layer's bytes come back as SpaceReclaimed.
big = client.containers.run("busybox", ["dd", "if=/dev/zero", "of=/big", "bs=1M", "count=2"],
                            detach=True, labels={"big": "1"})
big.wait()
pruned = client.containers.prune(filters={"label": ["big=1"]})
assert pruned["ContainersDeleted"] == [big.id], pruned
assert pruned["SpaceReclaimed"] >= 2 * 1024 * 1024, pruned
c.remove(force=True)
print("ok")
)PY";
  CommandResult flow = stack_->Shell("/usr/bin/python3 -", CommandOptions{.stdin_data = script});
  EXPECT_EQ(flow.exit_code, 0) << flow.out << flow.err;
  EXPECT_EQ(flow.out, "ok\n") << flow.err;
}

}  // namespace
}  // namespace berth::e2e
