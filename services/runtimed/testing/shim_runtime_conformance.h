// The ShimRuntime contract as one test body, run against FakeShimRuntime
// (tests/unit/runtimed, no root) and against real berth-shims
// (tests/integration/runtimed, root). The unit tests of ContainerManager
// trust the fake only as far as this suite shows it behaves like the shim.
//
// Include from exactly one .cc per test binary, then instantiate:
//   INSTANTIATE_TEST_SUITE_P(Fake, ShimRuntimeConformance,
//       ::testing::Values(ConformanceEnv{"Fake", &MakeFakeEnv}), EnvName);
#pragma once

#include <csignal>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "services/runtimed/shim_runtime.h"

namespace berth::runtimed::testing {

// What a test container does. Each environment maps it to a real command
// (busybox) or to a fake script.
enum class Program {
  kExit3,              // exits with 3 at once
  kEchoHello,          // prints "hello\n" on stdout, exits 0
  kIgnoresTerm,        // runs until SIGKILL; SIGTERM does nothing
  kExitsOnTerm,        // runs until signalled; SIGTERM ends it with 143
  kMissingExecutable,  // its command does not exist
};

class ShimRuntimeEnv {
 public:
  virtual ~ShimRuntimeEnv() = default;
  // Writes what container `id` needs to run `program`; returns the config
  // path to launch it with.
  virtual std::string Prepare(const std::string& id, Program program) = 0;
  virtual ShimRuntime& runtime() = 0;
  // Replaces runtime() by a fresh instance over the same shims, as a
  // restarted runtimed has.
  virtual void Reopen() = 0;
};

struct ConformanceEnv {
  std::string name;
  // Null when this environment cannot run here (the test then skips).
  std::function<std::unique_ptr<ShimRuntimeEnv>()> make;
};

inline std::string EnvName(const ::testing::TestParamInfo<ConformanceEnv>& info) {
  return info.param.name;
}

class ShimRuntimeConformance : public ::testing::TestWithParam<ConformanceEnv> {
 protected:
  void SetUp() override {
    env_ = GetParam().make();
    if (env_ == nullptr) GTEST_SKIP() << GetParam().name << " cannot run here";
  }
  void TearDown() override {
    // Nothing of a test may outlive it, even when it failed half way.
    if (env_ != nullptr) {
      for (const auto& id : ids_) (void)env_->runtime().Kill(id, SIGKILL);
    }
    env_.reset();
  }

  ShimRuntime& shims() { return env_->runtime(); }
  std::string NewId() {
    std::random_device rd;
    std::string id;
    for (int i = 0; i < 8; ++i) id += absl::StrFormat("%08x", rd());
    ids_.push_back(id);
    return id;
  }
  // Launches `program` and registers a watch: the state before Start.
  std::unique_ptr<ExitWatch> LaunchWatched(const std::string& id, Program program,
                                           pid_t* pid = nullptr) {
    auto launched = shims().Launch(id, env_->Prepare(id, program));
    EXPECT_TRUE(launched.ok()) << launched.status();
    if (!launched.ok()) return nullptr;
    EXPECT_GT(*launched, 0);
    if (pid != nullptr) *pid = *launched;
    auto watch = shims().Watch(id);
    EXPECT_TRUE(watch.ok()) << watch.status();
    return watch.ok() ? std::move(*watch) : nullptr;
  }
  // True once the shim of `id` answers as gone (bounded: it leaves right
  // after its exit is reported and its output drained).
  bool GoneSoon(const std::string& id) {
    for (int i = 0; i < 250; ++i) {
      if (absl::IsUnavailable(shims().Watch(id).status())) return true;
      absl::SleepFor(absl::Milliseconds(20));
    }
    return false;
  }
  // Runs Wait on a thread and reports whether it returned within `limit`.
  static bool WaitReturnsWithin(ExitWatch& watch, absl::Duration limit,
                                absl::StatusOr<spec::ExitRecord>* result) {
    absl::Notification done;
    std::thread waiter([&] {
      *result = watch.Wait();
      done.Notify();
    });
    bool returned = done.WaitForNotificationWithTimeout(limit);
    if (!returned) watch.Cancel();
    waiter.join();
    return returned;
  }

  std::unique_ptr<ShimRuntimeEnv> env_;
  std::vector<std::string> ids_;
};

TEST_P(ShimRuntimeConformance, LaunchHoldsTheProcessUntilStartAndWatchLearnsTheExit) {
  const std::string id = NewId();
  pid_t created = 0;
  auto watch = LaunchWatched(id, Program::kExit3, &created);
  ASSERT_NE(watch, nullptr);
  // Held: nothing exits before Start.
  absl::StatusOr<spec::ExitRecord> early;
  EXPECT_FALSE(WaitReturnsWithin(*watch, absl::Milliseconds(300), &early)) << early.status();
  watch = *shims().Watch(id);
  auto started = shims().Start(id);
  ASSERT_TRUE(started.ok()) << started.status();
  EXPECT_EQ(*started, created);
  auto exit = watch->Wait();
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(exit->exit_code, 3);
  EXPECT_GT(exit->finished_unix_nano, 0);
  EXPECT_FALSE(exit->oom_killed);
  EXPECT_TRUE(GoneSoon(id));
  // Gone, its exit stays on record for a runtimed that was not watching.
  auto recorded = shims().RecordedExit(id);
  ASSERT_TRUE(recorded.ok()) << recorded.status();
  EXPECT_EQ(recorded->exit_code, 3);
  EXPECT_EQ(recorded->finished_unix_nano, exit->finished_unix_nano);
  EXPECT_TRUE(absl::IsUnavailable(shims().Watch(id).status()));
}

TEST_P(ShimRuntimeConformance, SigtermIgnoredUntilSigkill) {
  const std::string id = NewId();
  auto watch = LaunchWatched(id, Program::kIgnoresTerm);
  ASSERT_NE(watch, nullptr);
  ASSERT_TRUE(shims().Start(id).ok());
  // Signals are 1..64; 0 (a probe) and others are refused.
  EXPECT_EQ(shims().Kill(id, 0).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(shims().Kill(id, 65).code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(shims().Kill(id, SIGTERM).ok());
  absl::StatusOr<spec::ExitRecord> early;
  EXPECT_FALSE(WaitReturnsWithin(*watch, absl::Milliseconds(300), &early))
      << "SIGTERM ended a container that ignores it: " << early.status();
  watch = *shims().Watch(id);
  ASSERT_TRUE(shims().Kill(id, SIGKILL).ok());
  auto exit = watch->Wait();
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(exit->exit_code, 128 + SIGKILL);
  EXPECT_TRUE(GoneSoon(id));
}

TEST_P(ShimRuntimeConformance, SigtermEndsAContainerThatHandlesIt) {
  const std::string id = NewId();
  auto watch = LaunchWatched(id, Program::kExitsOnTerm);
  ASSERT_NE(watch, nullptr);
  ASSERT_TRUE(shims().Start(id).ok());
  absl::SleepFor(absl::Milliseconds(100));  // room to install its handler
  ASSERT_TRUE(shims().Kill(id, SIGTERM).ok());
  auto exit = watch->Wait();
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(exit->exit_code, 128 + SIGTERM);
}

TEST_P(ShimRuntimeConformance, AttachBeforeStartSeesAllOutputThenTheEnd) {
  const std::string id = NewId();
  auto watch = LaunchWatched(id, Program::kEchoHello);
  ASSERT_NE(watch, nullptr);
  auto stream = shims().Attach(id, AttachOptions{false, true, true});
  ASSERT_TRUE(stream.ok()) << stream.status();
  ASSERT_TRUE(shims().Start(id).ok());
  std::string out;
  while (true) {
    auto frame = (*stream)->ReadFrame();
    ASSERT_TRUE(frame.ok()) << frame.status();
    if (!frame->has_value()) break;
    EXPECT_EQ((*frame)->type, shim::kFrameStdout);
    out += (*frame)->payload;
  }
  EXPECT_EQ(out, "hello\n");
  auto exit = watch->Wait();
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(exit->exit_code, 0);
}

TEST_P(ShimRuntimeConformance, AReopenedRuntimeAdoptsARunningShim) {
  const std::string id = NewId();
  auto watch = LaunchWatched(id, Program::kIgnoresTerm);
  ASSERT_NE(watch, nullptr);
  ASSERT_TRUE(shims().Start(id).ok());
  // runtimed goes away: its watch ends, the container does not.
  watch->Cancel();
  EXPECT_FALSE(watch->Wait().ok());
  watch.reset();
  env_->Reopen();
  auto adopted = shims().Watch(id);
  ASSERT_TRUE(adopted.ok()) << adopted.status();
  ASSERT_TRUE(shims().Kill(id, SIGKILL).ok());
  auto exit = (*adopted)->Wait();
  ASSERT_TRUE(exit.ok()) << exit.status();
  EXPECT_EQ(exit->exit_code, 137);
}

TEST_P(ShimRuntimeConformance, ExitWhileNobodyWatchesIsOnRecord) {
  const std::string id = NewId();
  auto watch = LaunchWatched(id, Program::kIgnoresTerm);
  ASSERT_NE(watch, nullptr);
  ASSERT_TRUE(shims().Start(id).ok());
  watch->Cancel();
  watch.reset();
  env_->Reopen();
  ASSERT_TRUE(shims().Kill(id, SIGKILL).ok());
  ASSERT_TRUE(GoneSoon(id));
  EXPECT_TRUE(absl::IsUnavailable(shims().Watch(id).status()));
  auto recorded = shims().RecordedExit(id);
  ASSERT_TRUE(recorded.ok()) << recorded.status();
  EXPECT_EQ(recorded->exit_code, 137);
}

TEST_P(ShimRuntimeConformance, MissingExecutableFailsWithTheExecutorsWords) {
  const std::string id = NewId();
  absl::Status failure;
  auto launched = shims().Launch(id, env_->Prepare(id, Program::kMissingExecutable));
  if (!launched.ok()) {
    failure = launched.status();
  } else {
    failure = shims().Start(id).status();  // the executor may only know at exec
  }
  EXPECT_EQ(failure.code(), absl::StatusCode::kInvalidArgument) << failure;
  EXPECT_TRUE(absl::StartsWith(failure.message(), "exec: ")) << failure;
  EXPECT_TRUE(GoneSoon(id));
}

TEST_P(ShimRuntimeConformance, NoShimIsUnavailable) {
  const std::string id = NewId();
  EXPECT_TRUE(absl::IsUnavailable(shims().Watch(id).status()));
  EXPECT_TRUE(absl::IsUnavailable(shims().Kill(id, SIGKILL)));
  EXPECT_TRUE(absl::IsUnavailable(shims().Start(id).status()));
  EXPECT_TRUE(absl::IsUnavailable(shims().Resize(id, 24, 80)));
  EXPECT_TRUE(absl::IsUnavailable(shims().Attach(id, AttachOptions{}).status()));
  EXPECT_TRUE(absl::IsNotFound(shims().RecordedExit(id).status()));
}

}  // namespace berth::runtimed::testing
