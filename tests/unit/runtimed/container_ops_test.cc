// Pause/unpause, top and rename in runtimed's domain, without root: the
// manager runs over FakeShimRuntime and a fake v1 cgroup tree (plain files in
// a temp dir stand in for cgroupfs, as in cgroups_test.cc), so these pin the
// states, texts and events; the kernel's side is in tests/e2e/lifecycle_ops_test.cc.
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

#include "absl/time/clock.h"
#include "common/fs/fs.h"
#include "common/time/fake_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/runtimed/container_manager.h"
#include "services/runtimed/testing/fake_shim_runtime.h"
#include "services/runtimed/testing/manager_test_base.h"

namespace berth::runtimed {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

const std::string kId = "beef" + std::string(60, '1');
const std::string kId2 = "beef" + std::string(60, '2');

class OpsTest : public testing::ManagerTestBase {
 protected:
  void Customize(ManagerConfig& config) override {
    const std::string cgroups = dir_ + "/cgroup";
    config.open_cgroup = [cgroups](const std::string& id)
        -> absl::StatusOr<std::unique_ptr<cgroups::CgroupManager>> {
      cgroups::Layout layout;
      layout.v1["freezer"] = cgroups + "/freezer";
      layout.v1["pids"] = cgroups + "/pids";
      return cgroups::NewCgroupManager(layout, "berth", id);
    };
  }

  // What the shim does at start: the container's cgroup exists, thawed.
  void MakeCgroup(const std::string& id, const std::string& procs = "") {
    Put("cgroup/freezer/berth/" + id + "/freezer.state", "THAWED\n");
    Put("cgroup/pids/berth/" + id + "/cgroup.procs", procs);
  }
  void Put(const std::string& rel, const std::string& content) {
    std::string path = dir_ + "/" + rel;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream(path) << content;
  }
  std::string FreezerState(const std::string& id) {
    auto text = fs::ReadFile(dir_ + "/cgroup/freezer/berth/" + id + "/freezer.state");
    return text.ok() ? *text : "<missing>";
  }
  void CreateAndStart(const std::string& id, const std::string& name,
                      const std::string& stop_signal = "") {
    CreateRequest request;
    request.id = id;
    request.name = name;
    request.config.add_cmd("sleep");
    request.config.set_image("busybox");
    request.config.set_stop_signal(stop_signal);
    ASSERT_TRUE(manager_->CreateContainer(request).ok());
    MakeCgroup(id);
    StartRequest start;
    start.container = id;
    ASSERT_TRUE(manager_->StartContainer(start).ok());
  }
  v1::ContainerStatus Status(const std::string& id) {
    auto record = manager_->InspectContainer(id);
    return record.ok() ? record->state().status() : v1::CONTAINER_STATUS_UNSPECIFIED;
  }
  // The actions of the kept events of `id`, in order.
  std::vector<std::string> Actions(const std::string& id) {
    std::vector<std::string> actions;
    manager_->events().Stream(
        1, absl::ToUnixNanos(absl::Now()) + 1,
        [&](const EventRecord& e) {
          if (e.id == id) actions.push_back(e.action);
          return true;
        },
        [] { return false; });
    return actions;
  }
  std::vector<EventRecord> Events(const std::string& id, const std::string& action) {
    std::vector<EventRecord> found;
    manager_->events().Stream(
        1, absl::ToUnixNanos(absl::Now()) + 1,
        [&](const EventRecord& e) {
          if (e.id == id && e.action == action) found.push_back(e);
          return true;
        },
        [] { return false; });
    return found;
  }

};

TEST_F(OpsTest, PauseFreezesAndUnpauseThawsWithDockersStatesAndEvents) {
  CreateAndStart(kId, "web");
  ASSERT_TRUE(manager_->PauseContainer("web").ok());
  EXPECT_EQ(FreezerState(kId), "FROZEN");
  EXPECT_EQ(Status(kId), v1::CONTAINER_STATUS_PAUSED);

  absl::Status again = manager_->PauseContainer(kId);
  EXPECT_EQ(again.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(again.message(), "Container " + kId + " is already paused");
  absl::Status start = manager_->StartContainer(StartRequest{kId}).status();
  EXPECT_THAT(start.message(), HasSubstr("cannot start a paused container, try unpause instead"));

  ASSERT_TRUE(manager_->UnpauseContainer(kId).ok());
  EXPECT_EQ(FreezerState(kId), "THAWED");
  EXPECT_EQ(Status(kId), v1::CONTAINER_STATUS_RUNNING);
  absl::Status not_paused = manager_->UnpauseContainer(kId);
  EXPECT_EQ(not_paused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(not_paused.message(), "Container " + kId + " is not paused");
  EXPECT_THAT(Actions(kId), ElementsAre("create", "start", "pause", "unpause"));
}

TEST_F(OpsTest, PauseOfAStoppedContainerIsRefusedAndTouchesNoCgroup) {
  CreateRequest request;
  request.id = kId;
  request.config.add_cmd("sleep");
  request.config.set_image("busybox");
  ASSERT_TRUE(manager_->CreateContainer(request).ok());
  absl::Status paused = manager_->PauseContainer(kId);
  EXPECT_EQ(paused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(paused.message(), "Container " + kId + " is not running");
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/cgroup/freezer/berth/" + kId));
}

// The fake shim's container would die at once on a signal, which a frozen
// process cannot; ignoring SIGTERM keeps it "frozen" until the thaw.
TEST_F(OpsTest, StopOfAPausedContainerThawsItAfterTheSignal) {
  CreateAndStart(kId, "web");
  shims_->IgnoreSignal(kId, SIGTERM);
  ASSERT_TRUE(manager_->PauseContainer(kId).ok());
  absl::StatusOr<bool> stopped;
  std::thread stopper([&] { stopped = manager_->StopContainer(kId, 5, ""); });
  ASSERT_TRUE(clock_->AwaitWaiters(1));  // SIGTERM sent, waiting for the exit
  EXPECT_THAT(shims_->Calls(), Contains("kill " + kId + " " + std::to_string(SIGTERM)));
  EXPECT_EQ(FreezerState(kId), "THAWED");
  EXPECT_EQ(Status(kId), v1::CONTAINER_STATUS_RUNNING);
  clock_->Advance(absl::Seconds(5));
  stopper.join();
  ASSERT_TRUE(stopped.ok()) << stopped.status();
  EXPECT_EQ(Status(kId), v1::CONTAINER_STATUS_EXITED);
  EXPECT_THAT(Actions(kId), ElementsAre("create", "start", "pause", "unpause", "die", "stop"));
}

TEST_F(OpsTest, KillThawsOnlyForSigkillOrTheStopSignalWhenOneIsConfigured) {
  CreateAndStart(kId, "web", "SIGTERM");
  shims_->IgnoreSignal(kId, SIGUSR1);
  shims_->IgnoreSignal(kId, SIGTERM);
  ASSERT_TRUE(manager_->PauseContainer(kId).ok());
  ASSERT_TRUE(manager_->KillContainer(kId, "USR1").ok());
  EXPECT_EQ(Status(kId), v1::CONTAINER_STATUS_PAUSED);
  EXPECT_EQ(FreezerState(kId), "FROZEN");
  ASSERT_TRUE(manager_->KillContainer(kId, "TERM").ok());
  EXPECT_EQ(Status(kId), v1::CONTAINER_STATUS_RUNNING);
  EXPECT_EQ(FreezerState(kId), "THAWED");

  // Without a configured stop signal, any signal thaws (dockerd's rule).
  CreateAndStart(kId2, "other");
  shims_->IgnoreSignal(kId2, SIGUSR1);
  ASSERT_TRUE(manager_->PauseContainer(kId2).ok());
  ASSERT_TRUE(manager_->KillContainer(kId2, "USR1").ok());
  EXPECT_EQ(Status(kId2), v1::CONTAINER_STATUS_RUNNING);
  EXPECT_EQ(FreezerState(kId2), "THAWED");
}

TEST_F(OpsTest, PausedStateIsReadBackFromTheCgroupAfterARestart) {
  CreateAndStart(kId, "aa");
  CreateAndStart(kId2, "bb");
  ASSERT_TRUE(manager_->PauseContainer(kId).ok());
  OpenManager();
  EXPECT_EQ(Status(kId), v1::CONTAINER_STATUS_PAUSED);
  EXPECT_EQ(Status(kId2), v1::CONTAINER_STATUS_RUNNING);
  // The kernel is the truth: thawed (or frozen) behind runtimed's back.
  Put("cgroup/freezer/berth/" + kId + "/freezer.state", "THAWED\n");
  Put("cgroup/freezer/berth/" + kId2 + "/freezer.state", "FROZEN\n");
  OpenManager();
  EXPECT_EQ(Status(kId), v1::CONTAINER_STATUS_RUNNING);
  EXPECT_EQ(Status(kId2), v1::CONTAINER_STATUS_PAUSED);
}

TEST_F(OpsTest, RenameChecksNamesWithDockersTextsAndEmitsRename) {
  CreateAndStart(kId, "first");
  CreateAndStart(kId2, "second");
  absl::Status taken = manager_->RenameContainer("first", "second").status();
  EXPECT_EQ(taken.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(taken.message(),
            "Error when allocating new name: Conflict. The container name \"/second\" is already "
            "in use by container \"" + kId2 +
                "\". You have to remove (or rename) that container to be able to reuse that name.");
  EXPECT_EQ(manager_->RenameContainer("first", "/first").status().message(),
            "Renaming a container with the same name as its current name");
  EXPECT_EQ(manager_->RenameContainer("first", "").status().message(),
            "Neither old nor new names may be empty");
  EXPECT_THAT(manager_->RenameContainer("first", "bad name").status().message(),
              HasSubstr("Invalid container name (bad name)"));

  auto renamed = manager_->RenameContainer("first", "/third");
  ASSERT_TRUE(renamed.ok()) << renamed.status();
  EXPECT_EQ(renamed->old_name, "first");
  EXPECT_EQ(renamed->container.name(), "third");
  EXPECT_EQ(manager_->InspectContainer("third")->id(), kId);
  EXPECT_EQ(manager_->InspectContainer("first").status().code(), absl::StatusCode::kNotFound);
  std::vector<EventRecord> events = Events(kId, "rename");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_THAT(events[0].attributes, Contains(Pair("oldName", "/first")));
  EXPECT_THAT(events[0].attributes, Contains(Pair("name", "third")));
  // The old name is free again, and the new one survives a restart.
  OpenManager();
  EXPECT_EQ(manager_->InspectContainer("third")->id(), kId);
  EXPECT_TRUE(manager_->RenameContainer(kId2, "first").ok());
}

// Top runs the host's real ps; the fake cgroup lists this test's own pid, so
// exactly its row comes back.
TEST_F(OpsTest, TopKeepsThePsRowsOfTheCgroupsProcesses) {
  CreateAndStart(kId, "web");
  Put("cgroup/pids/berth/" + kId + "/cgroup.procs", std::to_string(getpid()) + "\n");
  auto top = manager_->TopContainer(kId, "");
  ASSERT_TRUE(top.ok()) << top.status();
  EXPECT_THAT(top->titles, ElementsAre("UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"));
  ASSERT_EQ(top->processes.size(), 1u);
  EXPECT_EQ(top->processes[0][1], std::to_string(getpid()));
  EXPECT_EQ(top->processes[0].size(), 8u);

  auto custom = manager_->TopContainer(kId, "-o pid,comm");
  ASSERT_TRUE(custom.ok()) << custom.status();
  EXPECT_THAT(custom->titles, ElementsAre("PID", "COMMAND"));
  ASSERT_EQ(custom->processes.size(), 1u);

  EXPECT_EQ(manager_->TopContainer(kId, "-o user=PID").status().message(),
            "specifying \"user=PID\" is not allowed");
  absl::Status bad = manager_->TopContainer(kId, "--no-such-option").status();
  EXPECT_THAT(bad.message(), HasSubstr("ps: "));
}

TEST_F(OpsTest, TopOfAStoppedContainerIsRefused) {
  CreateRequest request;
  request.id = kId;
  request.config.add_cmd("sleep");
  request.config.set_image("busybox");
  ASSERT_TRUE(manager_->CreateContainer(request).ok());
  EXPECT_EQ(manager_->TopContainer(kId, "").status().message(),
            "Container " + kId + " is not running");
}

}  // namespace
}  // namespace berth::runtimed
