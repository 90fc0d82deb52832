// Events end to end: one ordered stream merged from runtimed (containers) and
// imaged (images), through the docker CLI, `berth` and docker-py, kept on disk
// so `--since` still finds them after the whole stack restarts.
#include <signal.h>

#include <chrono>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/support/stack_fixture.h"

namespace berth::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A whole second after everything so far (the fixture's import included),
// once that second has come.
std::string NextSecond() {
  int64_t next = absl::ToUnixSeconds(absl::Now()) + 1;
  while (absl::Now() < absl::FromUnixSeconds(next) + absl::Milliseconds(20)) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  return absl::StrCat(next);
}

// "type action" of each line that concerns `id` or an image, in order.
std::vector<std::string> Actions(const std::string& out, const std::string& id) {
  std::vector<std::string> actions;
  for (absl::string_view line : absl::StrSplit(out, '\n', absl::SkipEmpty())) {
    std::vector<std::string> words = absl::StrSplit(line, ' ');
    if (words.size() < 4) continue;
    if (words[1] == "image" || words[3] == id) actions.push_back(words[1] + " " + words[2]);
  }
  return actions;
}

class EventsTest : public BusyboxStackTest {
 protected:
  // A container's whole life, then a tag and its removal. Returns its id.
  std::string Lifecycle() {
    CommandResult run = stack_->Docker("run --name evt busybox sh -c 'exit 3'");
    EXPECT_EQ(run.exit_code, 3) << run.err;
    std::string id = stack_->Docker("inspect -f '{{.Id}}' evt").out;
    while (!id.empty() && id.back() == '\n') id.pop_back();
    EXPECT_EQ(stack_->Docker("rm evt").exit_code, 0);
    EXPECT_EQ(stack_->Docker("tag busybox evt-tag:1").exit_code, 0);
    EXPECT_EQ(stack_->Docker("rmi evt-tag:1").exit_code, 0);
    return id;
  }

  const std::vector<std::string> kExpected = {
      "container create", "container start", "container die", "container destroy",
      "image tag",        "image untag"};
};

TEST_F(EventsTest, DockerEventsSinceUntilShowTheLifecycleInOrder) {
  std::string since = NextSecond();
  std::string id = Lifecycle();
  std::string until = absl::StrCat(absl::ToUnixSeconds(absl::Now()) + 1);
  CommandResult events = stack_->Docker("events --since " + since + " --until " + until);
  ASSERT_EQ(events.exit_code, 0) << events.err;
  EXPECT_EQ(Actions(events.out, id), kExpected) << events.out;
  EXPECT_THAT(events.out, HasSubstr("exitCode=3"));
  EXPECT_THAT(events.out, HasSubstr("name=evt"));

  CommandResult json = stack_->Docker("events --since " + since + " --until " + until +
                                      " --filter event=die --format '{{json .}}'");
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_THAT(json.out, HasSubstr("\"Action\":\"die\""));
  EXPECT_THAT(json.out, Not(HasSubstr("\"Action\":\"start\"")));

  CommandResult bad = stack_->Docker("events --since " + since + " --until " + until +
                                     " --filter colour=red");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_THAT(bad.err, HasSubstr("invalid filter 'colour'"));

  CommandResult berth =
      stack_->Berth("events --since " + since + " --until " + until + " --filter type=container");
  ASSERT_EQ(berth.exit_code, 0) << berth.err;
  EXPECT_EQ(Actions(berth.out, id),
            (std::vector<std::string>{"container create", "container start", "container die",
                                      "container destroy"}))
      << berth.out;
}

TEST_F(EventsTest, EventsSurviveAWholeStackRestart) {
  std::string since = NextSecond();
  std::string id = Lifecycle();
  // Every process gone, the state kept.
  for (const char* svc : {"apid", "runtimed", "imaged", "netd"}) {
    ASSERT_EQ(::kill(stack_->ServicePid(svc), SIGKILL), 0) << svc;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CommandResult up = stack_->Up();
  ASSERT_EQ(up.exit_code, 0) << up.err;
  std::string until = absl::StrCat(absl::ToUnixSeconds(absl::Now()) + 1);
  CommandResult events = stack_->Docker("events --since " + since + " --until " + until);
  ASSERT_EQ(events.exit_code, 0) << events.err;
  EXPECT_EQ(Actions(events.out, id), kExpected) << events.out;
}

TEST_F(EventsTest, FollowingSeesNewEventsAsTheyHappen) {
  // docker-py: events(decode=True) follows; the script starts a container
  // after subscribing and stops at its "start" (bounded by a timeout).
  CommandResult flow = stack_->Shell(R"(/usr/bin/python3 - <<'PY'
import docker, threading, time
client = docker.from_env(timeout=30)
stream = client.events(decode=True, filters={"type": "container"})
def later():
    time.sleep(0.5)
    client.containers.run("busybox", "true", name="evt-follow", remove=True)
threading.Thread(target=later, daemon=True).start()
deadline = time.time() + 20
for event in stream:
    if event["Action"] == "start" and event["Actor"]["Attributes"].get("name") == "evt-follow":
        print("saw start")
        break
    if time.time() > deadline:
        break
stream.close()
PY)");
  EXPECT_EQ(flow.exit_code, 0) << flow.err;
  EXPECT_THAT(flow.out, HasSubstr("saw start"));
}

}  // namespace
}  // namespace berth::e2e
