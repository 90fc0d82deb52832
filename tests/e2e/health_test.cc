// HEALTHCHECK end to end (issue 9): probes run as execs in the container on
// runtimed's schedule; State.Health in inspect, "(healthy)" in ps, the
// health filter, health_status events, from --health-* flags (docker CLI,
// berth, docker-py) and from an image built with HEALTHCHECK.
#include <chrono>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/support/command.h"
#include "tests/e2e/support/stack.h"
#include "tests/e2e/support/stack_fixture.h"

namespace berth::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class HealthTest : public BusyboxStackTest {
 protected:
  std::string Inspect(const std::string& name, const std::string& format) {
    return Trimmed(stack_->Docker("inspect -f '" + format + "' " + name).out);
  }
  bool AwaitHealth(const std::string& name, const std::string& want, int seconds = 30) {
    for (int i = 0; i < seconds * 10; ++i) {
      if (Inspect(name, "{{.State.Health.Status}}") == want) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }
};

TEST_F(HealthTest, FailingCheckTurnsUnhealthyAndPassingHealthyWithEvents) {
  std::string since = absl::StrCat(absl::ToUnixSeconds(absl::Now()) - 1);
  CommandResult bad = stack_->Docker(
      "run -d --name hc-bad --health-cmd 'echo failing; exit 1' --health-interval 1s "
      "--health-retries 2 busybox sleep 1000");
  ASSERT_EQ(bad.exit_code, 0) << bad.err;
  CommandResult good = stack_->Berth(
      "run -d --name hc-good --health-cmd 'echo fine' --health-interval 1s busybox sleep 1000");
  ASSERT_EQ(good.exit_code, 0) << good.err;
  EXPECT_EQ(Inspect("hc-bad", "{{.State.Health.Status}}"), "starting");
  EXPECT_THAT(stack_->Docker("ps --filter name=hc-bad --format '{{.Status}}'").out,
              HasSubstr("(health: starting)"));

  ASSERT_TRUE(AwaitHealth("hc-good", "healthy"));
  ASSERT_TRUE(AwaitHealth("hc-bad", "unhealthy"));
  EXPECT_EQ(Inspect("hc-bad", "{{.State.Health.FailingStreak}}"), "2");
  EXPECT_EQ(Inspect("hc-bad", "{{(index .State.Health.Log 0).ExitCode}}"), "1");
  EXPECT_EQ(Inspect("hc-bad", "{{(index .State.Health.Log 0).Output}}"), "failing");
  EXPECT_EQ(Inspect("hc-good", "{{(index .State.Health.Log 0).Output}}"), "fine");
  EXPECT_EQ(Inspect("hc-bad", "{{json .Config.Healthcheck}}"),
            R"({"Test":["CMD-SHELL","echo failing; exit 1"],"Interval":1000000000,"Retries":2})");

  EXPECT_THAT(stack_->Berth("ps").out, HasSubstr("(healthy)"));
  CommandResult ps = stack_->Docker("ps --format '{{.Names}} {{.Status}}'");
  EXPECT_THAT(ps.out, HasSubstr("(unhealthy)"));
  EXPECT_THAT(ps.out, HasSubstr("(healthy)"));
  CommandResult unhealthy = stack_->Docker("ps --filter health=unhealthy --format '{{.Names}}'");
  EXPECT_EQ(unhealthy.out, "hc-bad\n");
  CommandResult healthy = stack_->Docker("ps --filter health=healthy --format '{{.Names}}'");
  EXPECT_EQ(healthy.out, "hc-good\n");

  std::string until = absl::StrCat(absl::ToUnixSeconds(absl::Now()) + 1);
  CommandResult events =
      stack_->Docker("events --since " + since + " --until " + until +
                     " --filter event=health_status --format '{{.Actor.Attributes.name}} "
                     "{{.Action}}'");
  ASSERT_EQ(events.exit_code, 0) << events.err;
  EXPECT_THAT(events.out, HasSubstr("hc-good health_status: healthy"));
  EXPECT_THAT(events.out, HasSubstr("hc-bad health_status: unhealthy"));

  // exec_* events, for a user's exec as for the probes.
  since = absl::StrCat(absl::ToUnixSeconds(absl::Now()) - 1);
  EXPECT_EQ(stack_->Docker("exec hc-good sh -c 'exit 3'").exit_code, 3);
  until = absl::StrCat(absl::ToUnixSeconds(absl::Now()) + 1);
  CommandResult execs = stack_->Docker(
      "events --since " + since + " --until " + until +
      " --filter container=hc-good --filter event=exec_create --filter event=exec_start "
      "--filter event=exec_die --format '{{.Action}} {{index .Actor.Attributes \"exitCode\"}}'");
  ASSERT_EQ(execs.exit_code, 0) << execs.err;
  EXPECT_THAT(execs.out, HasSubstr("exec_create: sh -c exit 3"));
  EXPECT_THAT(execs.out, HasSubstr("exec_start: sh -c exit 3"));
  EXPECT_THAT(execs.out, HasSubstr("exec_die 3"));
  EXPECT_THAT(execs.out, HasSubstr("exec_create: /bin/sh -c echo fine"));
}

TEST_F(HealthTest, ATimedOutProbeFailsWithDockersText) {
  ASSERT_EQ(stack_->Docker("run -d --name hc-slow --health-cmd 'sleep 30' --health-interval 1s "
                           "--health-timeout 1s --health-retries 1 busybox sleep 1000")
                .exit_code,
            0);
  ASSERT_TRUE(AwaitHealth("hc-slow", "unhealthy"));
  EXPECT_EQ(Inspect("hc-slow", "{{(index .State.Health.Log 0).ExitCode}}"), "-1");
  EXPECT_EQ(Inspect("hc-slow", "{{(index .State.Health.Log 0).Output}}"),
            "Health check exceeded timeout (1s)");
  CommandResult bad = stack_->Docker("run -d --health-interval 1us busybox true");
  EXPECT_THAT(bad.err, HasSubstr("Interval in Healthcheck cannot be less than 1ms"));
}

TEST_F(HealthTest, TheImagesHealthcheckAppliesAndNoHealthcheckDisablesIt) {
  CommandResult build = stack_->Shell(
      "printf 'FROM busybox\\nHEALTHCHECK --interval=1s CMD [\"true\"]\\n' | "
      "docker build -q -t hc-image -");
  ASSERT_EQ(build.exit_code, 0) << build.err;
  ASSERT_EQ(stack_->Docker("run -d --name hc-img hc-image sleep 1000").exit_code, 0);
  ASSERT_TRUE(AwaitHealth("hc-img", "healthy"));
  ASSERT_EQ(stack_->Docker("run -d --name hc-none --no-healthcheck hc-image sleep 1000").exit_code,
            0);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_EQ(Inspect("hc-none", "{{if .State.Health}}has{{else}}none{{end}}"), "none");
  EXPECT_THAT(stack_->Docker("ps --filter name=hc-none --format '{{.Status}}'").out,
              Not(HasSubstr("health")));
  // docker-py's healthcheck argument.
  CommandResult py = stack_->Shell(R"(/usr/bin/python3 - <<'PY'
import docker, time
client = docker.from_env(timeout=30)
c = client.containers.run("busybox", "sleep 1000", name="hc-py", detach=True,
                          healthcheck={"test": ["CMD", "true"], "interval": 1000000000})
deadline = time.time() + 30
while time.time() < deadline:
    c.reload()
    if c.attrs["State"].get("Health", {}).get("Status") == "healthy":
        print("healthy")
        break
    time.sleep(0.2)
PY)");
  EXPECT_EQ(py.exit_code, 0) << py.err;
  EXPECT_EQ(py.out, "healthy\n");
}

// What dockerd does with health at an exit and at the next start: the exit
// stops the probes and leaves State.Health as it was (status, streak and
// log; no probe is recorded after the exit), the next start resets it to
// "starting" with a failing streak of 0 (the log kept), then probes resume.
TEST_F(HealthTest, ExitKeepsTheLastHealthAndTheNextStartResetsItToStarting) {
  CommandResult run = stack_->Docker(
      "run -d --name hc-exit --health-cmd 'test ! -f /tmp/bad' --health-interval 2s "
      "--health-retries 1 busybox sleep 1000");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  ASSERT_TRUE(AwaitHealth("hc-exit", "healthy"));
  ASSERT_EQ(stack_->Docker("exec hc-exit touch /tmp/bad").exit_code, 0);
  ASSERT_TRUE(AwaitHealth("hc-exit", "unhealthy"));
  ASSERT_EQ(stack_->Docker("kill hc-exit").exit_code, 0);
  const std::string at_exit =
      Inspect("hc-exit", "{{.State.Health.Status}} {{.State.Health.FailingStreak}} "
                         "{{len .State.Health.Log}} {{(index .State.Health.Log 0).End}}");
  EXPECT_THAT(at_exit, ::testing::StartsWith("unhealthy ")) << at_exit;
  std::this_thread::sleep_for(std::chrono::milliseconds(4500));  // > 2 intervals
  EXPECT_EQ(Inspect("hc-exit", "{{.State.Health.Status}} {{.State.Health.FailingStreak}} "
                               "{{len .State.Health.Log}} {{(index .State.Health.Log 0).End}}"),
            at_exit);
  EXPECT_EQ(stack_->Docker("ps -a --filter name=hc-exit --format '{{.Status}}'").out.find("health"),
            std::string::npos);
  // /tmp/bad is in the container's layer: the check fails again after the
  // start, but the status first goes back to starting with a zero streak.
  ASSERT_EQ(stack_->Docker("start hc-exit").exit_code, 0);
  EXPECT_EQ(Inspect("hc-exit", "{{.State.Health.Status}} {{.State.Health.FailingStreak}}"),
            "starting 0");
  EXPECT_NE(Inspect("hc-exit", "{{len .State.Health.Log}}"), "0");  // the log is kept
  ASSERT_TRUE(AwaitHealth("hc-exit", "unhealthy"));
}

}  // namespace
}  // namespace berth::e2e
