// Healthchecks in runtimed without root: Docker's rules (health_state.h) and
// the scheduler (HealthMonitor) over FakeShimRuntime, FakeClock and a fake
// ProbeRunner that answers from a script.
#include <filesystem>

#include "absl/synchronization/mutex.h"
#include "common/time/fake_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/runtimed/container_manager.h"
#include "services/runtimed/health/health_monitor.h"
#include "services/runtimed/health/health_state.h"
#include "services/runtimed/testing/fake_shim_runtime.h"

namespace berth::runtimed::health {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

v1::HealthLogEntry Probe(int code) {
  v1::HealthLogEntry e;
  e.set_exit_code(code);
  e.set_output(code == 0 ? "ok" : "bad");
  return e;
}

TEST(HealthRules, ConfigAndValidation) {
  v1::HealthConfig config;
  EXPECT_FALSE(Enabled(config));
  config.add_test("NONE");
  EXPECT_FALSE(Enabled(config));
  config.clear_test();
  config.add_test("CMD-SHELL");
  config.add_test("test -f /ok");
  EXPECT_TRUE(Enabled(config));
  EXPECT_THAT(*ProbeCommand(config), ElementsAre("/bin/sh", "-c", "test -f /ok"));
  Timings t = EffectiveTimings(config);
  EXPECT_EQ(t.interval, absl::Seconds(30));
  EXPECT_EQ(t.timeout, absl::Seconds(30));
  EXPECT_EQ(t.retries, 3);
  config.set_interval_ns(500);
  EXPECT_EQ(Validate(config).message(), "Interval in Healthcheck cannot be less than 1ms");
  config.set_interval_ns(0);
  config.set_retries(-1);
  EXPECT_EQ(Validate(config).message(), "Retries in Healthcheck cannot be negative");
  config.set_retries(0);
  config.clear_test();
  config.add_test("CMD");
  config.add_test("true");
  EXPECT_THAT(*ProbeCommand(config), ElementsAre("true"));
  EXPECT_TRUE(Validate(config).ok());
}

TEST(HealthRules, TransitionsAreDockers) {
  Timings t;
  t.retries = 2;
  t.start_period = absl::Seconds(10);
  v1::ContainerHealth h;
  Reset(&h);
  EXPECT_EQ(h.status(), "starting");
  // Failures inside the start period do not count while starting.
  EXPECT_FALSE(ApplyProbe(&h, Probe(1), t, absl::Seconds(1)));
  EXPECT_EQ(h.failing_streak(), 0);
  EXPECT_TRUE(ApplyProbe(&h, Probe(0), t, absl::Seconds(2)));
  EXPECT_EQ(h.status(), "healthy");
  // Once healthy they count, also in the start period.
  EXPECT_FALSE(ApplyProbe(&h, Probe(1), t, absl::Seconds(3)));
  EXPECT_EQ(h.failing_streak(), 1);
  EXPECT_TRUE(ApplyProbe(&h, Probe(1), t, absl::Seconds(4)));
  EXPECT_EQ(h.status(), "unhealthy");
  for (int i = 0; i < 5; ++i) ApplyProbe(&h, Probe(0), t, absl::Seconds(20));
  EXPECT_EQ(h.log_size(), 5);
  EXPECT_EQ(h.failing_streak(), 0);
  EXPECT_EQ(h.status(), "healthy");
}

// Answers probes with the scripted exit codes, then with the last one.
class ScriptedProbes : public ProbeRunner {
 public:
  explicit ScriptedProbes(std::vector<int> codes) : codes_(std::move(codes)) {}
  ProbeResult Run(const std::string&, const std::vector<std::string>& argv, absl::Duration,
                  const std::function<bool()>&) override {
    absl::MutexLock lock(&mu_);
    argv_ = argv;
    int code = codes_[std::min(runs_, codes_.size() - 1)];
    ++runs_;
    return {code, "probe " + std::to_string(runs_)};
  }
  size_t runs() {
    absl::MutexLock lock(&mu_);
    return runs_;
  }
  std::vector<std::string> argv() {
    absl::MutexLock lock(&mu_);
    return argv_;
  }

 private:
  absl::Mutex mu_;
  std::vector<int> codes_;
  size_t runs_ = 0;
  std::vector<std::string> argv_;
};

const std::string kId = "cafe" + std::string(60, '1');

class HealthMonitorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/runtimed-health-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    clock_ = std::make_shared<FakeClock>();
    shims_ = std::make_shared<testing::FakeShimRuntime>(clock_);
    auto manager = ContainerManager::Create(
        ManagerConfig{dir_ + "/state", dir_ + "/run", "/nonexistent/berth-shim"}, nullptr, shims_,
        clock_);
    ASSERT_TRUE(manager.ok()) << manager.status();
    manager_ = std::move(*manager);
  }
  void TearDown() override {
    monitor_.reset();
    manager_.reset();
    std::filesystem::remove_all(dir_);
  }
  void CreateAndStart() {
    CreateRequest request;
    request.id = kId;
    request.config.add_cmd("sleep");
    request.config.set_image("busybox");
    v1::HealthConfig* hc = request.config.mutable_healthcheck();
    hc->add_test("CMD-SHELL");
    hc->add_test("test -f /ok");
    hc->set_interval_ns(absl::ToInt64Nanoseconds(absl::Seconds(1)));
    hc->set_retries(2);
    ASSERT_TRUE(manager_->CreateContainer(request).ok());
    StartRequest start;
    start.container = kId;
    ASSERT_TRUE(manager_->StartContainer(start).ok());
  }
  // One interval passes on the fake clock; waits (real, bounded) for the probe.
  void Tick(ScriptedProbes& probes) {
    size_t before = probes.runs();
    ASSERT_TRUE(clock_->AwaitWaiters(1));
    clock_->Advance(absl::Seconds(1));
    for (int i = 0; i < 500 && probes.runs() == before; ++i) absl::SleepFor(absl::Milliseconds(5));
    absl::SleepFor(absl::Milliseconds(20));  // the result reaches the record
  }
  v1::ContainerHealth Health() { return manager_->InspectContainer(kId)->health(); }

  std::string dir_;
  std::shared_ptr<FakeClock> clock_;
  std::shared_ptr<testing::FakeShimRuntime> shims_;
  std::unique_ptr<ContainerManager> manager_;
  std::unique_ptr<HealthMonitor> monitor_;
};

TEST_F(HealthMonitorTest, FailingProbesTurnUnhealthyAfterTheRetries) {
  ScriptedProbes probes({0, 1, 1});
  monitor_ = std::make_unique<HealthMonitor>(*manager_, probes, clock_);
  monitor_->Start();
  CreateAndStart();
  EXPECT_EQ(Health().status(), "starting");
  Tick(probes);
  EXPECT_EQ(Health().status(), "healthy");
  EXPECT_THAT(probes.argv(), ElementsAre("/bin/sh", "-c", "test -f /ok"));
  Tick(probes);
  EXPECT_EQ(Health().status(), "healthy");
  EXPECT_EQ(Health().failing_streak(), 1);
  Tick(probes);
  EXPECT_EQ(Health().status(), "unhealthy");
  EXPECT_EQ(Health().log_size(), 3);
  EXPECT_EQ(Health().log(2).output(), "probe 3");
}

TEST_F(HealthMonitorTest, ARestartedMonitorPicksUpRunningContainers) {
  CreateAndStart();
  ScriptedProbes probes({0});
  monitor_ = std::make_unique<HealthMonitor>(*manager_, probes, clock_);
  monitor_->Start();
  Tick(probes);
  EXPECT_EQ(Health().status(), "healthy");
  // The container exits: its loop ends, nothing more is probed.
  ASSERT_TRUE(shims_->Exit(kId, 0).ok());
  absl::SleepFor(absl::Milliseconds(300));
  size_t runs = probes.runs();
  clock_->Advance(absl::Seconds(5));
  absl::SleepFor(absl::Milliseconds(100));
  EXPECT_EQ(probes.runs(), runs);
}

}  // namespace
}  // namespace berth::runtimed::health
