// Interleavings of ContainerService workflows against the fakes: a fake call
// blocks in a hook while a second workflow (or an event) is launched on
// another thread; the test then checks that the second one waited for the
// container's turn and what both left behind. Every wait is bounded.

#include <chrono>
#include <future>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/synchronization/notification.h"
#include "services/apid/usecases/container_service.h"
#include "tests/unit/apid/fakes.h"

namespace berth::apid {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Not;
using testing::CallLog;
using testing::Snapshot;

const std::string kId(64, 'b');
constexpr auto kLong = std::chrono::seconds(10);
// How long a second workflow gets to (wrongly) run while the first is held.
constexpr auto kGrace = std::chrono::milliseconds(100);

// Blocks the first caller of a hook until Release(); later callers pass.
class Gate {
 public:
  void Hold(const std::string&) {
    bool first;
    {
      std::lock_guard<std::mutex> lock(mu_);
      first = !used_;
      used_ = true;
    }
    if (!first) return;
    entered_.Notify();
    released_.WaitForNotificationWithTimeout(absl::Seconds(10));
  }
  bool WaitEntered() { return entered_.WaitForNotificationWithTimeout(absl::Seconds(10)); }
  void Release() { released_.Notify(); }

 private:
  std::mutex mu_;
  bool used_ = false;
  absl::Notification entered_;
  absl::Notification released_;
};

int Count(const CallLog& log, const std::string& entry) {
  return static_cast<int>(std::count(log.begin(), log.end(), entry));
}

class ContainerServiceRaceTest : public ::testing::Test {
 protected:
  ContainerServiceRaceTest() : imaged_(log_), netd_(log_), runtimed_(log_) {
    v1::Image image;
    image.set_id("sha256:img");
    image.mutable_config()->add_cmd("sh");
    imaged_.images["busybox"] = image;
  }

  void CreateWeb(bool auto_remove = false) {
    v1::ContainerConfig c;
    c.set_image("busybox");
    c.set_auto_remove(auto_remove);
    ASSERT_TRUE(service_.Create("web", c).ok());
    BERTH_FAKE_LOCK;
    log_.clear();
  }

  v1::Event Event(const std::string& action) {
    v1::Event e;
    e.set_type("container");
    e.set_action(action);
    e.set_id(kId);
    return e;
  }

  v1::ContainerStatus Status() {
    BERTH_FAKE_LOCK;
    return runtimed_.containers.at(kId).state().status();
  }

  CallLog log_;
  testing::FakeImaged imaged_;
  testing::FakeNetd netd_;
  testing::FakeRuntimed runtimed_;
  ContainerService service_{imaged_, netd_, runtimed_, [] { return kId; }};
};

TEST_F(ContainerServiceRaceTest, ConcurrentStartsStartOnceAndTheSecondSeesItRunning) {
  CreateWeb();
  Gate gate;
  runtimed_.on_start = [&](const std::string& id) { gate.Hold(id); };
  auto first = std::async(std::launch::async, [&] { return service_.Start("web"); });
  ASSERT_TRUE(gate.WaitEntered());
  auto second = std::async(std::launch::async, [&] { return service_.Start(kId); });
  // The second start waits for the first's turn: it must not attach (and so
  // cannot undo the first's network) while the first is in runtimed.
  EXPECT_EQ(second.wait_for(kGrace), std::future_status::timeout);
  EXPECT_EQ(Count(Snapshot(log_), "netd.Attach " + kId), 1);
  gate.Release();
  ASSERT_EQ(first.wait_for(kLong), std::future_status::ready);
  ASSERT_EQ(second.wait_for(kLong), std::future_status::ready);
  auto a = first.get();
  auto b = second.get();
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_FALSE(*a);
  EXPECT_TRUE(*b);  // Docker's 304 for the second
  EXPECT_THAT(log_, ElementsAre("netd.Attach " + kId, "runtimed.StartContainer " + kId));
  EXPECT_THAT(netd_.endpoints, ElementsAre(kId));
}

TEST_F(ContainerServiceRaceTest, AlreadyStartingIsNeverUndone) {
  CreateWeb(/*auto_remove=*/true);
  runtimed_.start_error = absl::AbortedError("container " + kId + " is already starting");
  auto started = service_.Start("web");
  EXPECT_EQ(started.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(started.status().message(), ::testing::HasSubstr("already starting"));
  // Neither the endpoint (even one this call created) nor the container:
  // both belong to the start in progress.
  EXPECT_THAT(log_, ElementsAre("netd.Attach " + kId, "runtimed.StartContainer " + kId));
  EXPECT_THAT(netd_.endpoints, ElementsAre(kId));
  EXPECT_EQ(runtimed_.containers.count(kId), 1u);
}

TEST_F(ContainerServiceRaceTest, FailedStartDetachesOnlyAnEndpointItCreated) {
  CreateWeb();
  netd_.endpoints = {kId};  // attached before this start (e.g. a die not yet handled)
  runtimed_.start_error = absl::InvalidArgumentError("exec: \"x\": executable file not found");
  auto started = service_.Start("web");
  EXPECT_EQ(started.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(log_, Not(Contains("netd.Detach " + kId)));
  EXPECT_THAT(netd_.endpoints, ElementsAre(kId));
}

TEST_F(ContainerServiceRaceTest, FailedStartOfAutoRemoveContainerRemovesIt) {
  CreateWeb(/*auto_remove=*/true);
  netd_.attach_error = absl::UnavailableError("netd is unavailable: connection refused");
  auto started = service_.Start("web");
  EXPECT_EQ(started.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(started.status().message(), "netd is unavailable: connection refused");
  EXPECT_THAT(log_, ElementsAre("netd.Attach " + kId, "runtimed.RemoveContainer " + kId,
                                "netd.Detach " + kId, "imaged.RemoveSnapshot " + kId));
  EXPECT_TRUE(runtimed_.containers.empty());
  EXPECT_THAT(imaged_.snapshots, IsEmpty());
}

TEST_F(ContainerServiceRaceTest, FailedRuntimedStartOfAutoRemoveContainerRemovesEverything) {
  CreateWeb(/*auto_remove=*/true);
  runtimed_.start_error = absl::FailedPreconditionError("port is already allocated");
  auto started = service_.Start("web");
  EXPECT_EQ(started.status().message(), "port is already allocated");
  EXPECT_TRUE(runtimed_.containers.empty());
  EXPECT_THAT(imaged_.snapshots, IsEmpty());
  EXPECT_THAT(netd_.endpoints, IsEmpty());
}

TEST_F(ContainerServiceRaceTest, FailedStartKeepsAContainerWithoutAutoRemove) {
  CreateWeb();
  netd_.attach_error = absl::UnavailableError("netd is unavailable");
  EXPECT_FALSE(service_.Start("web").ok());
  EXPECT_EQ(runtimed_.containers.count(kId), 1u);
  EXPECT_THAT(imaged_.snapshots, ElementsAre(kId));
}

TEST_F(ContainerServiceRaceTest, StopDuringStartWaitsForTheStart) {
  CreateWeb();
  Gate gate;
  runtimed_.on_start = [&](const std::string& id) { gate.Hold(id); };
  auto start = std::async(std::launch::async, [&] { return service_.Start("web"); });
  ASSERT_TRUE(gate.WaitEntered());
  auto stop = std::async(std::launch::async, [&] { return service_.Stop("web", 1, ""); });
  EXPECT_EQ(stop.wait_for(kGrace), std::future_status::timeout);
  EXPECT_THAT(Snapshot(log_), Not(Contains("runtimed.StopContainer " + kId)));
  gate.Release();
  ASSERT_EQ(start.wait_for(kLong), std::future_status::ready);
  ASSERT_EQ(stop.wait_for(kLong), std::future_status::ready);
  ASSERT_TRUE(start.get().ok());
  auto stopped = stop.get();
  ASSERT_TRUE(stopped.ok()) << stopped.status();
  EXPECT_FALSE(*stopped);  // it was running by then: a real stop, not a 304
  EXPECT_THAT(log_, ElementsAre("netd.Attach " + kId, "runtimed.StartContainer " + kId,
                                "runtimed.StopContainer " + kId));
  EXPECT_EQ(Status(), v1::CONTAINER_STATUS_EXITED);
}

TEST_F(ContainerServiceRaceTest, LateDieDuringRestartKeepsTheRestartedNetwork) {
  CreateWeb();
  ASSERT_TRUE(service_.Start("web").ok());
  {
    BERTH_FAKE_LOCK;
    log_.clear();
  }
  // The stop's "die" arrives while the restart is in runtimed's start, i.e.
  // after netd.Attach found the old endpoint (created=false). Handled then,
  // it would detach the container being started.
  Gate gate;
  runtimed_.on_start = [&](const std::string& id) {
    service_.PostEvent(Event("die"));
    gate.Hold(id);
  };
  auto restart = std::async(std::launch::async, [&] { return service_.Restart("web", 1); });
  ASSERT_TRUE(gate.WaitEntered());
  std::this_thread::sleep_for(kGrace);  // room for a wrongly unserialized event
  EXPECT_THAT(Snapshot(log_), Not(Contains("netd.Detach " + kId)));
  gate.Release();
  ASSERT_EQ(restart.wait_for(kLong), std::future_status::ready);
  ASSERT_TRUE(restart.get().ok());
  service_.DrainEvents();
  EXPECT_EQ(Status(), v1::CONTAINER_STATUS_RUNNING);
  EXPECT_THAT(netd_.endpoints, ElementsAre(kId));
  EXPECT_THAT(log_, ElementsAre("runtimed.StopContainer " + kId, "netd.Attach " + kId,
                                "runtimed.StartContainer " + kId));
}

TEST_F(ContainerServiceRaceTest, DieAfterAStopIsHandledAfterTheStopAndDetaches) {
  CreateWeb();
  ASSERT_TRUE(service_.Start("web").ok());
  Gate gate;
  runtimed_.on_stop = [&](const std::string& id) {
    service_.PostEvent(Event("die"));
    gate.Hold(id);
  };
  auto stop = std::async(std::launch::async, [&] { return service_.Stop("web", 1, ""); });
  ASSERT_TRUE(gate.WaitEntered());
  std::this_thread::sleep_for(kGrace);
  // While the stop holds the turn the event waits (it would see "running").
  EXPECT_THAT(Snapshot(log_), Not(Contains("netd.Detach " + kId)));
  gate.Release();
  ASSERT_EQ(stop.wait_for(kLong), std::future_status::ready);
  service_.DrainEvents();
  EXPECT_THAT(netd_.endpoints, IsEmpty());
}

TEST_F(ContainerServiceRaceTest, RemoveDuringStartWaitsThenRemovesEverything) {
  CreateWeb();
  Gate gate;
  runtimed_.on_start = [&](const std::string& id) { gate.Hold(id); };
  auto start = std::async(std::launch::async, [&] { return service_.Start("web"); });
  ASSERT_TRUE(gate.WaitEntered());
  auto remove = std::async(std::launch::async, [&] { return service_.Remove("web", true); });
  EXPECT_EQ(remove.wait_for(kGrace), std::future_status::timeout);
  EXPECT_THAT(Snapshot(log_), Not(Contains("runtimed.RemoveContainer " + kId)));
  gate.Release();
  ASSERT_EQ(start.wait_for(kLong), std::future_status::ready);
  ASSERT_EQ(remove.wait_for(kLong), std::future_status::ready);
  EXPECT_TRUE(start.get().ok());
  EXPECT_TRUE(remove.get().ok());
  EXPECT_TRUE(runtimed_.containers.empty());
  EXPECT_THAT(netd_.endpoints, IsEmpty());
  EXPECT_THAT(imaged_.snapshots, IsEmpty());
}

TEST_F(ContainerServiceRaceTest, StartAfterARemoveInProgressFindsNothingAndAttachesNothing) {
  CreateWeb();
  Gate gate;
  runtimed_.on_remove = [&](const std::string& id) { gate.Hold(id); };
  auto remove = std::async(std::launch::async, [&] { return service_.Remove("web", true); });
  ASSERT_TRUE(gate.WaitEntered());
  auto start = std::async(std::launch::async, [&] { return service_.Start("web"); });
  EXPECT_EQ(start.wait_for(kGrace), std::future_status::timeout);
  gate.Release();
  ASSERT_EQ(remove.wait_for(kLong), std::future_status::ready);
  ASSERT_EQ(start.wait_for(kLong), std::future_status::ready);
  EXPECT_TRUE(remove.get().ok());
  EXPECT_EQ(start.get().status().code(), absl::StatusCode::kNotFound);
  // The start read the record again in its turn: no endpoint for a removed
  // container.
  EXPECT_THAT(log_, Not(Contains("netd.Attach " + kId)));
  EXPECT_THAT(netd_.endpoints, IsEmpty());
}

TEST_F(ContainerServiceRaceTest, EventsOfOneContainerAreHandledInOrder) {
  CreateWeb();
  ASSERT_TRUE(service_.Start("web").ok());
  // Hold the turn so the events queue up, then check their order.
  Gate gate;
  runtimed_.on_stop = [&](const std::string& id) { gate.Hold(id); };
  auto stop = std::async(std::launch::async, [&] { return service_.Stop("web", 1, ""); });
  ASSERT_TRUE(gate.WaitEntered());
  {
    BERTH_FAKE_LOCK;
    log_.clear();
  }
  service_.PostEvent(Event("die"));
  service_.PostEvent(Event("destroy"));
  gate.Release();
  ASSERT_EQ(stop.wait_for(kLong), std::future_status::ready);
  service_.DrainEvents();
  EXPECT_THAT(log_, ElementsAre("runtimed.StopContainer " + kId, "netd.Detach " + kId,
                                "netd.Detach " + kId, "imaged.RemoveSnapshot " + kId));
}

TEST_F(ContainerServiceRaceTest, ReconcileLeavesABusyContainerAlone) {
  CreateWeb();
  Gate gate;
  runtimed_.on_start = [&](const std::string& id) { gate.Hold(id); };
  auto start = std::async(std::launch::async, [&] { return service_.Start("web"); });
  ASSERT_TRUE(gate.WaitEntered());
  // Attached, not running yet: an orphan to a reconcile that ignored turns.
  ASSERT_TRUE(service_.Reconcile().ok());
  EXPECT_THAT(Snapshot(log_), Not(Contains("netd.Detach " + kId)));
  gate.Release();
  ASSERT_EQ(start.wait_for(kLong), std::future_status::ready);
  EXPECT_TRUE(start.get().ok());
  EXPECT_THAT(netd_.endpoints, ElementsAre(kId));
}

}  // namespace
}  // namespace berth::apid
