// runtimed's lifecycle logic without root: start, exit, stop escalation,
// kill, concurrent starts, start failures and recovery after a restart, with
// ContainerManager over FakeShimRuntime and FakeClock. The same manager code
// runs against real berth-shims in the integration tier.
#include <csignal>
#include <filesystem>
#include <thread>

#include "absl/synchronization/notification.h"
#include "common/time/fake_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/runtimed/container_manager.h"
#include "services/runtimed/logs/json_log.h"
#include "services/runtimed/logs/rotating_log.h"
#include "services/runtimed/testing/fake_shim_runtime.h"
#include "services/runtimed/testing/manager_test_base.h"

namespace berth::runtimed {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kId = "f00d" + std::string(60, '1');
const std::string kId2 = "f00d" + std::string(60, '2');

class LifecycleTest : public testing::ManagerTestBase {
 protected:
  v1::Container Create(const std::string& id, bool auto_remove = false) {
    CreateRequest request;
    request.id = id;
    request.config.add_cmd("sleep");
    request.config.add_cmd("1000");
    request.config.set_image("busybox");
    request.config.set_auto_remove(auto_remove);
    auto record = manager_->CreateContainer(request);
    EXPECT_TRUE(record.ok()) << record.status();
    return record.ok() ? *record : v1::Container();
  }
  absl::StatusOr<StartResult> Start(const std::string& id) {
    StartRequest request;
    request.container = id;
    return manager_->StartContainer(request);
  }
  v1::ContainerState State(const std::string& id) {
    auto record = manager_->InspectContainer(id);
    EXPECT_TRUE(record.ok()) << record.status();
    return record.ok() ? record->state() : v1::ContainerState();
  }
  // Waits (not-running) for the exit the manager learned.
  int WaitExit(const std::string& id) {
    auto result =
        manager_->WaitContainer(id, v1::WAIT_CONDITION_NOT_RUNNING, [] {}, [] { return false; });
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? result->exit_code : -1;
  }
  static int64_t Nanos(const google::protobuf::Timestamp& ts) {
    return ts.seconds() * 1000000000 + ts.nanos();
  }

};

TEST_F(LifecycleTest, StartRunsTheContainerWithTheWatchInPlaceFirst) {
  Create(kId);
  auto started = Start(kId);
  ASSERT_TRUE(started.ok()) << started.status();
  EXPECT_FALSE(started->already_running);
  const v1::ContainerState state = State(kId);
  EXPECT_EQ(state.status(), v1::CONTAINER_STATUS_RUNNING);
  EXPECT_EQ(state.pid(), 40000);
  EXPECT_EQ(Nanos(state.started_at()), absl::ToUnixNanos(clock_->Now()));
  // The exit watch is registered before the process is released, so an
  // immediate exit cannot be missed.
  EXPECT_THAT(shims_->Calls(), ElementsAre("launch " + kId, "watch " + kId, "start " + kId));
  EXPECT_TRUE(shims_->Started(kId));
  // The shim got the config the manager wrote.
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/state/containers/" + kId + "/config.json"));
  // A second start is not an error, and launches nothing.
  auto again = Start(kId);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->already_running);
  EXPECT_EQ(shims_->Calls().size(), 3u);
}

TEST_F(LifecycleTest, ExitIsRecordedWithCodeAndFinishedTime) {
  Create(kId);
  ASSERT_TRUE(Start(kId).ok());
  clock_->Advance(absl::Seconds(5));
  ASSERT_TRUE(shims_->Exit(kId, 3, /*oom_killed=*/true).ok());
  EXPECT_EQ(WaitExit(kId), 3);
  const v1::ContainerState state = State(kId);
  EXPECT_EQ(state.status(), v1::CONTAINER_STATUS_EXITED);
  EXPECT_EQ(state.exit_code(), 3);
  EXPECT_EQ(state.pid(), 0);
  EXPECT_TRUE(state.oom_killed());
  EXPECT_EQ(Nanos(state.finished_at()), absl::ToUnixNanos(clock_->Now()));
  // The kill is an event of its own, before the die it caused (Docker's order).
  std::vector<std::string> actions;
  manager_->events().Stream(
      1, 0, [&](const EventRecord& e) {
        actions.push_back(e.action);
        return true;
      },
      [] { return true; });
  EXPECT_THAT(actions, ElementsAre("create", "start", "oom", "die"));
  EXPECT_EQ(Nanos(state.finished_at()) - Nanos(state.started_at()), 5'000'000'000);
  // The exit is on disk: a restarted manager knows it without any shim.
  OpenManager();
  EXPECT_EQ(State(kId).exit_code(), 3);
  EXPECT_EQ(State(kId).status(), v1::CONTAINER_STATUS_EXITED);
}

TEST_F(LifecycleTest, RestartAfterExitLaunchesANewShim) {
  Create(kId);
  ASSERT_TRUE(Start(kId).ok());
  ASSERT_TRUE(shims_->Exit(kId, 0).ok());
  EXPECT_EQ(WaitExit(kId), 0);
  auto again = Start(kId);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(again->already_running);
  EXPECT_EQ(State(kId).status(), v1::CONTAINER_STATUS_RUNNING);
  EXPECT_EQ(State(kId).pid(), 40001);
}

TEST_F(LifecycleTest, StopSendsTheStopSignalAndReturnsOnExit) {
  Create(kId);
  ASSERT_TRUE(Start(kId).ok());
  auto stopped = manager_->StopContainer(kId, 10, "");
  ASSERT_TRUE(stopped.ok()) << stopped.status();
  EXPECT_FALSE(*stopped);  // it was running
  EXPECT_EQ(State(kId).exit_code(), 128 + SIGTERM);
  EXPECT_THAT(shims_->Calls(), Contains("kill " + kId + " 15"));
  EXPECT_THAT(shims_->Calls(), Not(Contains("kill " + kId + " 9")));
  // Stopping a stopped container is "already stopped", not an error.
  auto again = manager_->StopContainer(kId, 10, "");
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(*again);
}

TEST_F(LifecycleTest, StopEscalatesToSigkillExactlyAfterTheTimeout) {
  Create(kId);
  shims_->IgnoreSignal(kId, SIGTERM);
  ASSERT_TRUE(Start(kId).ok());
  absl::StatusOr<bool> stopped;
  std::thread stopper([&] { stopped = manager_->StopContainer(kId, 10, ""); });
  // The stop is waiting on the clock after SIGTERM; nothing moves it but time.
  ASSERT_TRUE(clock_->AwaitWaiters(1));
  EXPECT_THAT(shims_->Calls(), Contains("kill " + kId + " 15"));
  clock_->Advance(absl::Seconds(9));
  absl::SleepFor(absl::Milliseconds(30));  // room for a wrong early SIGKILL
  EXPECT_THAT(shims_->Calls(), Not(Contains("kill " + kId + " 9")));
  EXPECT_TRUE(shims_->Alive(kId));
  clock_->Advance(absl::Seconds(1));
  stopper.join();
  ASSERT_TRUE(stopped.ok()) << stopped.status();
  EXPECT_FALSE(*stopped);
  EXPECT_THAT(shims_->Calls(), Contains("kill " + kId + " 9"));
  EXPECT_EQ(State(kId).status(), v1::CONTAINER_STATUS_EXITED);
  EXPECT_EQ(State(kId).exit_code(), 137);
}

TEST_F(LifecycleTest, StopUsesTheConfiguredSignal) {
  Create(kId);
  ASSERT_TRUE(Start(kId).ok());
  ASSERT_TRUE(manager_->StopContainer(kId, 10, "SIGINT").ok());
  EXPECT_EQ(State(kId).exit_code(), 128 + SIGINT);
  EXPECT_THAT(manager_->StopContainer(kId, 10, "SIGNOPE").status().code(),
              absl::StatusCode::kOk);  // not running: nothing is parsed or sent
}

TEST_F(LifecycleTest, KillSignalsAndReportsNotRunning) {
  Create(kId);
  EXPECT_EQ(manager_->KillContainer(kId, "").code(), absl::StatusCode::kFailedPrecondition);
  shims_->IgnoreSignal(kId, SIGHUP);
  ASSERT_TRUE(Start(kId).ok());
  ASSERT_TRUE(manager_->KillContainer(kId, "HUP").ok());
  EXPECT_EQ(State(kId).status(), v1::CONTAINER_STATUS_RUNNING);  // ignored, still running
  EXPECT_EQ(manager_->KillContainer(kId, "BOGUS").code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(manager_->KillContainer(kId, "").ok());  // SIGKILL by default
  EXPECT_EQ(WaitExit(kId), 137);
  auto killed = manager_->KillContainer(kId, "");
  EXPECT_EQ(killed.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(killed.message(), HasSubstr("is not running"));
}

TEST_F(LifecycleTest, ConcurrentStartGetsAlreadyStarting) {
  Create(kId);
  shims_->HoldLaunches();
  absl::StatusOr<StartResult> first;
  std::thread starter([&] { first = Start(kId); });
  ASSERT_TRUE(shims_->AwaitHeldLaunches(1));
  auto second = Start(kId);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kAborted);
  EXPECT_THAT(second.status().message(), HasSubstr("is already starting"));
  // Removal waits for the start in progress too.
  EXPECT_EQ(manager_->RemoveContainer(kId, true).status().code(),
            absl::StatusCode::kFailedPrecondition);
  shims_->ReleaseLaunches();
  starter.join();
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(State(kId).status(), v1::CONTAINER_STATUS_RUNNING);
  int launches = 0;
  for (const auto& call : shims_->Calls()) launches += call.rfind("launch ", 0) == 0;
  EXPECT_EQ(launches, 1);
}

TEST_F(LifecycleTest, LaunchFailureKeepsTheExecutorWordsAndTheCreatedState) {
  Create(kId);
  shims_->FailLaunch(kId, absl::InvalidArgumentError(
                              "exec: \"nope\": executable file not found in $PATH"));
  auto started = Start(kId);
  EXPECT_EQ(started.status().code(), absl::StatusCode::kInvalidArgument);
  const v1::ContainerState state = State(kId);
  EXPECT_EQ(state.status(), v1::CONTAINER_STATUS_CREATED);
  EXPECT_THAT(state.error(), HasSubstr("executable file not found"));
  EXPECT_EQ(state.exit_code(), 127);
  // The failure is not sticky: the next start runs.
  ASSERT_TRUE(Start(kId).ok());
  EXPECT_EQ(State(kId).status(), v1::CONTAINER_STATUS_RUNNING);
  EXPECT_EQ(State(kId).error(), "");
}

TEST_F(LifecycleTest, ReleaseFailureEndsWaitersAndRemovesAnAutoRemoveContainer) {
  Create(kId, /*auto_remove=*/true);
  shims_->FailStart(kId, absl::InvalidArgumentError("exec: \"/x\": permission denied"));
  auto started = Start(kId);
  EXPECT_EQ(started.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(shims_->Alive(kId));
  // Like Docker: a failed start of an --rm container leaves nothing.
  EXPECT_EQ(manager_->InspectContainer(kId).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(LifecycleTest, AutoRemoveContainerIsRemovedOnExit) {
  Create(kId, /*auto_remove=*/true);
  ASSERT_TRUE(Start(kId).ok());
  // The waiter is in place before the exit, as `docker run --rm` has it.
  absl::Notification registered;
  absl::StatusOr<WaitResult> removed;
  std::thread waiter([&] {
    removed = manager_->WaitContainer(
        kId, v1::WAIT_CONDITION_REMOVED, [&] { registered.Notify(); }, [] { return false; });
  });
  registered.WaitForNotification();
  ASSERT_TRUE(shims_->Exit(kId, 5).ok());
  waiter.join();
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_EQ(removed->exit_code, 5);
  EXPECT_EQ(manager_->InspectContainer(kId).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(LifecycleTest, ForceRemoveKillsAndWaits) {
  Create(kId);
  shims_->IgnoreSignal(kId, SIGTERM);
  ASSERT_TRUE(Start(kId).ok());
  EXPECT_EQ(manager_->RemoveContainer(kId, false).status().code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(manager_->RemoveContainer(kId, true).ok());
  EXPECT_FALSE(shims_->Alive(kId));
  EXPECT_THAT(shims_->Calls(), Contains("kill " + kId + " 9"));
  EXPECT_EQ(manager_->InspectContainer(kId).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(LifecycleTest, RestartedManagerAdoptsARunningShimAndLearnsALaterExit) {
  Create(kId);
  ASSERT_TRUE(Start(kId).ok());
  ASSERT_EQ(shims_->Watchers(kId), 1);
  manager_.reset();  // runtimed goes away; the container must not notice
  EXPECT_TRUE(shims_->Alive(kId));
  EXPECT_EQ(shims_->Watchers(kId), 0);
  OpenManager();
  EXPECT_EQ(State(kId).status(), v1::CONTAINER_STATUS_RUNNING);
  EXPECT_EQ(shims_->Watchers(kId), 1);  // adopted
  clock_->Advance(absl::Seconds(2));
  ASSERT_TRUE(shims_->Exit(kId, 4).ok());
  EXPECT_EQ(WaitExit(kId), 4);
  EXPECT_EQ(Nanos(State(kId).finished_at()), absl::ToUnixNanos(clock_->Now()));
}

TEST_F(LifecycleTest, ShimThatExitedWhileAwayIsSettledFromItsRecord) {
  Create(kId);
  ASSERT_TRUE(Start(kId).ok());
  manager_.reset();
  clock_->Advance(absl::Seconds(3));
  const int64_t exited_at = absl::ToUnixNanos(clock_->Now());
  ASSERT_TRUE(shims_->Exit(kId, 7).ok());  // nobody watching: only the record knows
  clock_->Advance(absl::Seconds(60));
  OpenManager();
  const v1::ContainerState state = State(kId);
  EXPECT_EQ(state.status(), v1::CONTAINER_STATUS_EXITED);
  EXPECT_EQ(state.exit_code(), 7);
  EXPECT_EQ(Nanos(state.finished_at()), exited_at);  // when it exited, not when we noticed
}

TEST_F(LifecycleTest, ShimThatVanishedWithoutARecordIsExited255) {
  Create(kId);
  ASSERT_TRUE(Start(kId).ok());
  manager_.reset();
  shims_->Crash(kId);
  OpenManager();
  EXPECT_EQ(State(kId).status(), v1::CONTAINER_STATUS_EXITED);
  EXPECT_EQ(State(kId).exit_code(), 255);
}

TEST_F(LifecycleTest, ShimLostWhileWatchedIsSettledAt255) {
  Create(kId);
  ASSERT_TRUE(Start(kId).ok());
  shims_->Crash(kId);
  EXPECT_EQ(WaitExit(kId), 255);
  EXPECT_EQ(State(kId).status(), v1::CONTAINER_STATUS_EXITED);
}

TEST_F(LifecycleTest, RecoveryKillsAShimLeftFromAnUnfinishedStart) {
  Create(kId);
  Create(kId2);
  // runtimed died between launching the shim and releasing its process.
  ASSERT_TRUE(shims_->Launch(kId, dir_ + "/config.json").ok());
  OpenManager();
  EXPECT_FALSE(shims_->Alive(kId));
  EXPECT_THAT(shims_->Calls(), Contains("kill " + kId + " 9"));
  EXPECT_EQ(State(kId).status(), v1::CONTAINER_STATUS_CREATED);
  ASSERT_TRUE(Start(kId).ok());  // and it can start afresh
}

TEST_F(LifecycleTest, AttachBeforeStartSeesOutputAndEndsOnExit) {
  Create(kId);
  auto session = manager_->Attach(kId, AttachOptions{true, true, false});
  ASSERT_TRUE(session.ok()) << session.status();
  ASSERT_TRUE((*session)->WriteStdin("hello").ok());  // buffered while pending
  ASSERT_TRUE(Start(kId).ok());
  EXPECT_EQ(shims_->Stdin(kId), "hello");
  auto calls = shims_->Calls();
  auto at = [&calls](const std::string& c) { return std::find(calls.begin(), calls.end(), c); };
  EXPECT_LT(at("attach " + kId), at("start " + kId));  // connected before the release
  shims_->Output(kId, false, "out1");
  shims_->Output(kId, true, "err-not-wanted");
  shims_->Output(kId, false, "out2");
  ASSERT_TRUE(shims_->Exit(kId, 0).ok());
  std::string out;
  while (auto chunk = (*session)->Read()) out += chunk->data;
  EXPECT_EQ(out, "out1out2");
}

TEST_F(LifecycleTest, ResizeNeedsARunningTtyContainer) {
  Create(kId);
  EXPECT_EQ(manager_->ResizeContainer(kId, 24, 80).code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(Start(kId).ok());
  ASSERT_TRUE(manager_->ResizeContainer(kId, 24, 80).ok());  // no tty: a no-op
  EXPECT_THAT(shims_->Calls(), Not(Contains("resize " + kId + " 24 80")));
}

}  // namespace
}  // namespace berth::runtimed

namespace berth::runtimed {
namespace {

// `logs` spans the rotated files (--log-opt max-size/max-file), oldest
// first, for a whole read, a tail and a follow across a rotation.
class RotatedLogsTest : public LifecycleTest {
 protected:
  std::string LogPath() { return dir_ + "/state/containers/" + kId + "/" + kId + "-json.log"; }
  static std::string Entry(const std::string& text) {
    return logs::EncodeLine(logs::LogLine{"stdout", text + "\n", 1});
  }
  std::vector<std::string> Logs(LogsRequest request, const std::function<void()>& between = {}) {
    request.container = kId;
    std::vector<std::string> lines;
    absl::Status s = manager_->ContainerLogs(
        request,
        [&](const logs::LogLine& line) {
          lines.push_back(line.data.substr(0, line.data.size() - 1));
          if (between && lines.size() == 1) between();
          return true;
        },
        [] { return false; });
    EXPECT_TRUE(s.ok()) << s;
    return lines;
  }
};

TEST_F(RotatedLogsTest, WholeLogAndTailSpanRotatedFiles) {
  Create(kId);
  auto log = logs::RotatingLogFile::Open(LogPath(), {.max_size = 160, .max_files = 3});
  ASSERT_TRUE(log.ok()) << log.status();
  for (int i = 1; i <= 7; ++i) ASSERT_TRUE(log->Append(Entry("line " + std::to_string(i))).ok());
  ASSERT_TRUE(std::filesystem::exists(LogPath() + ".1"));
  // Two entries (77 bytes each) per file, three files: 1 and 2 are gone.
  EXPECT_THAT(Logs({}), ElementsAre("line 3", "line 4", "line 5", "line 6", "line 7"));
  LogsRequest tail;
  tail.tail = 3;
  EXPECT_THAT(Logs(tail), ElementsAre("line 5", "line 6", "line 7"));
}

TEST_F(RotatedLogsTest, FollowCarriesOnAcrossARotation) {
  Create(kId);
  ASSERT_TRUE(Start(kId).ok());
  auto log = logs::RotatingLogFile::Open(LogPath(), {.max_size = 200, .max_files = 2});
  ASSERT_TRUE(log.ok());
  ASSERT_TRUE(log->Append(Entry("before")).ok());
  LogsRequest follow;
  follow.follow = true;
  // Once the follower has the first line: rotate (the next entry does not
  // fit), write into the new file, and end the container.
  std::vector<std::string> lines = Logs(follow, [&] {
    ASSERT_TRUE(log->Append(Entry("still old")).ok());
    ASSERT_TRUE(log->Append(Entry("after rotation")).ok());
    ASSERT_TRUE(std::filesystem::exists(LogPath() + ".1"));
    ASSERT_TRUE(shims_->Exit(kId, 0).ok());
  });
  EXPECT_THAT(lines, ElementsAre("before", "still old", "after rotation"));
}

}  // namespace
}  // namespace berth::runtimed
