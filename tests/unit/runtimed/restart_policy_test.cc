// Restart policies in runtimed without root: ContainerManager over
// FakeShimRuntime and FakeClock (the backoff is waited on the fake clock),
// and the pure rules of common/lifecycle/restart_policy.h.
#include <csignal>
#include <filesystem>

#include "common/lifecycle/restart_policy.h"
#include "common/time/fake_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/runtimed/container_manager.h"
#include "services/runtimed/testing/fake_shim_runtime.h"
#include "services/runtimed/testing/manager_test_base.h"

namespace berth::runtimed {
namespace {

using ::testing::HasSubstr;

const std::string kId = "beef" + std::string(60, '1');

TEST(RestartPolicyRules, ValidationUsesDockerdsTexts) {
  EXPECT_TRUE(lifecycle::ValidateRestartPolicy("", 0, true).ok());
  EXPECT_TRUE(lifecycle::ValidateRestartPolicy("no", 0, true).ok());
  EXPECT_TRUE(lifecycle::ValidateRestartPolicy("on-failure", 3, false).ok());
  EXPECT_THAT(lifecycle::ValidateRestartPolicy("always", 0, true).message(),
              HasSubstr("can't create 'AutoRemove' container with restart policy"));
  EXPECT_EQ(lifecycle::ValidateRestartPolicy("always", 2, false).message(),
            "invalid restart policy: maximum retry count can only be used with 'on-failure'");
  EXPECT_EQ(lifecycle::ValidateRestartPolicy("on-failure", -1, false).message(),
            "invalid restart policy: maximum retry count cannot be negative");
  EXPECT_THAT(lifecycle::ValidateRestartPolicy("sometimes", 0, false).message(),
              HasSubstr("unknown policy 'sometimes'"));
}

TEST(RestartPolicyRules, DecisionsAndBackoffAreDockerds) {
  using lifecycle::ExitFacts;
  EXPECT_TRUE(lifecycle::ShouldRestart("always", 0, ExitFacts{0, true, 9}));
  EXPECT_FALSE(lifecycle::ShouldRestart("unless-stopped", 0, ExitFacts{1, true, 0}));
  EXPECT_TRUE(lifecycle::ShouldRestart("unless-stopped", 0, ExitFacts{0, false, 0}));
  EXPECT_FALSE(lifecycle::ShouldRestart("on-failure", 0, ExitFacts{0, false, 0}));
  EXPECT_TRUE(lifecycle::ShouldRestart("on-failure", 2, ExitFacts{1, false, 1}));
  EXPECT_FALSE(lifecycle::ShouldRestart("on-failure", 2, ExitFacts{1, false, 2}));
  EXPECT_FALSE(lifecycle::ShouldRestart("no", 0, ExitFacts{1, false, 0}));
  // At the engine's start always comes back even after a user stop.
  EXPECT_TRUE(lifecycle::ShouldStartWithEngine("always", 0, ExitFacts{137, true, 0}));
  EXPECT_FALSE(lifecycle::ShouldStartWithEngine("unless-stopped", 0, ExitFacts{137, true, 0}));
  EXPECT_TRUE(lifecycle::ShouldStartWithEngine("unless-stopped", 0, ExitFacts{255, false, 0}));
  absl::Duration d = absl::ZeroDuration();
  d = lifecycle::NextRestartDelay(d, absl::Seconds(1));
  EXPECT_EQ(d, absl::Milliseconds(100));
  d = lifecycle::NextRestartDelay(d, absl::Seconds(1));
  EXPECT_EQ(d, absl::Milliseconds(200));
  for (int i = 0; i < 20; ++i) d = lifecycle::NextRestartDelay(d, absl::Seconds(1));
  EXPECT_EQ(d, absl::Minutes(1));
  EXPECT_EQ(lifecycle::NextRestartDelay(d, absl::Seconds(10)), absl::Milliseconds(100));
}

class RestartManagerTest : public testing::ManagerTestBase {
 protected:
  void Customize(ManagerConfig& config) override {
    config.netns_present = [this](const std::string&) { return netns_present_; };
  }

  void Create(const std::string& policy, int max = 0) {
    CreateRequest request;
    request.id = kId;
    request.config.add_cmd("false");
    request.config.set_image("busybox");
    request.config.mutable_restart_policy()->set_name(policy);
    request.config.mutable_restart_policy()->set_maximum_retry_count(max);
    ASSERT_TRUE(manager_->CreateContainer(request).ok());
  }
  void Start() {
    StartRequest request;
    request.container = kId;
    request.network.set_sandbox_key("/run/netd/netns/x");
    ASSERT_TRUE(manager_->StartContainer(request).ok());
  }
  v1::Container Record() {
    auto record = manager_->InspectContainer(kId);
    EXPECT_TRUE(record.ok()) << record.status();
    return record.ok() ? *record : v1::Container();
  }
  // Waits (real time, bounded) until the record reaches `status`.
  bool AwaitStatus(v1::ContainerStatus status) {
    for (int i = 0; i < 500; ++i) {
      if (Record().state().status() == status) return true;
      absl::SleepFor(absl::Milliseconds(10));
    }
    return false;
  }
  // Lets the pending restart's backoff pass on the fake clock.
  void PassBackoff(absl::Duration delay) {
    ASSERT_TRUE(clock_->AwaitWaiters(1));
    clock_->Advance(delay);
  }
  int Count(const std::string& action) {
    int n = 0;
    manager_->events().Stream(
        1, absl::ToUnixNanos(absl::Now()) + 1,
        [&](const EventRecord& e) {
          n += e.action == action ? 1 : 0;
          return true;
        },
        [] { return true; });
    return n;
  }

  bool netns_present_ = true;
};

TEST_F(RestartManagerTest, OnFailureTwoRestartsTwiceWithBackoffThenStays) {
  Create("on-failure", 2);
  Start();
  ASSERT_TRUE(shims_->Exit(kId, 1).ok());
  ASSERT_TRUE(AwaitStatus(v1::CONTAINER_STATUS_RESTARTING));
  EXPECT_EQ(Record().restart_count(), 1);
  EXPECT_EQ(Record().state().exit_code(), 1);
  PassBackoff(absl::Milliseconds(100));
  ASSERT_TRUE(AwaitStatus(v1::CONTAINER_STATUS_RUNNING));
  // The restart is in the same netns as before.
  EXPECT_EQ(Record().network().sandbox_key(), "/run/netd/netns/x");
  ASSERT_TRUE(shims_->Exit(kId, 1).ok());
  ASSERT_TRUE(AwaitStatus(v1::CONTAINER_STATUS_RESTARTING));
  // The second wait is twice as long: 100 ms more does not restart it.
  ASSERT_TRUE(clock_->AwaitWaiters(1));
  clock_->Advance(absl::Milliseconds(100));
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_EQ(Record().state().status(), v1::CONTAINER_STATUS_RESTARTING);
  clock_->Advance(absl::Milliseconds(100));
  ASSERT_TRUE(AwaitStatus(v1::CONTAINER_STATUS_RUNNING));
  ASSERT_TRUE(shims_->Exit(kId, 1).ok());
  ASSERT_TRUE(AwaitStatus(v1::CONTAINER_STATUS_EXITED));
  EXPECT_EQ(Record().restart_count(), 2);
  EXPECT_EQ(Count("die"), 3);
  EXPECT_EQ(Count("start"), 3);
}

TEST_F(RestartManagerTest, StopWhileRestartingCallsTheRestartOff) {
  Create("always");
  Start();
  ASSERT_TRUE(shims_->Exit(kId, 0).ok());
  ASSERT_TRUE(AwaitStatus(v1::CONTAINER_STATUS_RESTARTING));
  auto stopped = manager_->StopContainer(kId, 1, "");
  ASSERT_TRUE(stopped.ok()) << stopped.status();
  EXPECT_FALSE(*stopped);
  EXPECT_EQ(Record().state().status(), v1::CONTAINER_STATUS_EXITED);
  EXPECT_TRUE(Record().manually_stopped());
  clock_->Advance(absl::Minutes(2));
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_EQ(Record().state().status(), v1::CONTAINER_STATUS_EXITED);
  EXPECT_EQ(Count("stop"), 1);
}

TEST_F(RestartManagerTest, UserStopAndKillEndThePolicyAndStartResetsIt) {
  Create("always");
  Start();
  auto stopped = manager_->StopContainer(kId, 1, "");
  ASSERT_TRUE(stopped.ok()) << stopped.status();
  EXPECT_EQ(Record().state().status(), v1::CONTAINER_STATUS_EXITED);
  Start();
  EXPECT_FALSE(Record().manually_stopped());
  ASSERT_TRUE(manager_->KillContainer(kId, "KILL").ok());
  ASSERT_TRUE(AwaitStatus(v1::CONTAINER_STATUS_EXITED));
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_EQ(Record().state().status(), v1::CONTAINER_STATUS_EXITED);
  EXPECT_EQ(Record().restart_count(), 0);
}

TEST_F(RestartManagerTest, UnlessStoppedRemembersTheStopAcrossARestartOfRuntimed) {
  Create("unless-stopped");
  Start();
  ASSERT_TRUE(manager_->StopContainer(kId, 1, "").ok());
  OpenManager();
  EXPECT_TRUE(Record().manually_stopped());
  EXPECT_EQ(Record().state().status(), v1::CONTAINER_STATUS_EXITED);
}

TEST_F(RestartManagerTest, AnExitWhileRuntimedWasAwayIsRestartedOnRecovery) {
  Create("always");
  Start();
  manager_.reset();  // runtimed goes; the shim stays
  ASSERT_TRUE(shims_->Exit(kId, 2).ok());
  OpenManager();
  EXPECT_EQ(Record().state().status(), v1::CONTAINER_STATUS_RESTARTING);
  PassBackoff(absl::Milliseconds(100));
  ASSERT_TRUE(AwaitStatus(v1::CONTAINER_STATUS_RUNNING));
  EXPECT_EQ(Record().restart_count(), 1);
}

TEST_F(RestartManagerTest, ARecordLeftRestartingIsRestartedOnRecovery) {
  Create("always");
  Start();
  ASSERT_TRUE(shims_->Exit(kId, 1).ok());
  ASSERT_TRUE(AwaitStatus(v1::CONTAINER_STATUS_RESTARTING));
  manager_.reset();  // during the backoff
  OpenManager();
  EXPECT_EQ(Record().state().status(), v1::CONTAINER_STATUS_RESTARTING);
  PassBackoff(absl::Milliseconds(100));
  ASSERT_TRUE(AwaitStatus(v1::CONTAINER_STATUS_RUNNING));
  EXPECT_EQ(Record().restart_count(), 1);
}

TEST_F(RestartManagerTest, WithoutItsNetnsTheContainerIsLeftForApid) {
  Create("always");
  Start();
  manager_.reset();
  shims_->Crash(kId);  // the whole stack went down
  netns_present_ = false;
  OpenManager();
  EXPECT_EQ(Record().state().status(), v1::CONTAINER_STATUS_EXITED);
  EXPECT_EQ(Record().state().exit_code(), 255);
}

TEST_F(RestartManagerTest, UpdateChangesThePolicy) {
  Create("no");
  Start();
  v1::RestartPolicy policy;
  policy.set_name("on-failure");
  policy.set_maximum_retry_count(1);
  ASSERT_TRUE(manager_->UpdateContainer(kId, v1::Resources(), &policy).ok());
  EXPECT_EQ(Record().config().restart_policy().name(), "on-failure");
  ASSERT_TRUE(shims_->Exit(kId, 1).ok());
  ASSERT_TRUE(AwaitStatus(v1::CONTAINER_STATUS_RESTARTING));
  policy.set_name("sometimes");
  EXPECT_FALSE(manager_->UpdateContainer(kId, v1::Resources(), &policy).ok());
}

}  // namespace
}  // namespace berth::runtimed
