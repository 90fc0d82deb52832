// The manager's record logic needs no privileges: create, resolve, conflicts,
// removal, waits and kills on containers that never run, and reloading.
#include "services/runtimed/container_manager.h"

#include <filesystem>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace berth::runtimed {
namespace {

using ::testing::HasSubstr;

class ContainerManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/runtimed-manager-XXXXXX";
    dir_ = mkdtemp(tmpl);
    Open();
  }
  void TearDown() override {
    manager_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Open() {
    manager_.reset();
    auto manager = ContainerManager::Create(
        ManagerConfig{dir_ + "/state", dir_ + "/run", "/nonexistent/berth-shim"}, nullptr);
    ASSERT_TRUE(manager.ok()) << manager.status();
    manager_ = std::move(*manager);
  }
  absl::StatusOr<v1::Container> Create(const std::string& id, const std::string& name) {
    CreateRequest request;
    request.id = id;
    request.name = name;
    request.config.add_cmd("true");
    return manager_->CreateContainer(request);
  }

  std::string dir_;
  std::unique_ptr<ContainerManager> manager_;
};

const std::string kIdA = "abc1" + std::string(60, '0');
const std::string kIdB = "abc2" + std::string(60, '0');

TEST_F(ContainerManagerTest, CreateRecordsWithoutRunningAnything) {
  auto c = Create(kIdA, "web");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->name(), "web");
  EXPECT_EQ(c->state().status(), v1::CONTAINER_STATUS_CREATED);
  EXPECT_THAT(c->path_and_args(), ::testing::ElementsAre("true"));
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/state/containers/" + kIdA + "/record.json"));
  EXPECT_TRUE(manager_->ListContainers(false).empty());
  EXPECT_EQ(manager_->ListContainers(true).size(), 1u);
}

TEST_F(ContainerManagerTest, ResolvesIdNameAndUniquePrefix) {
  ASSERT_TRUE(Create(kIdA, "web").ok());
  ASSERT_TRUE(Create(kIdB, "db").ok());
  EXPECT_EQ(manager_->InspectContainer(kIdA)->name(), "web");
  EXPECT_EQ(manager_->InspectContainer("db")->id(), kIdB);
  EXPECT_EQ(manager_->InspectContainer("/db")->id(), kIdB);
  EXPECT_EQ(manager_->InspectContainer("abc2")->id(), kIdB);
  EXPECT_EQ(manager_->InspectContainer("abc").status().code(),
            absl::StatusCode::kInvalidArgument);  // ambiguous
  auto missing = manager_->InspectContainer("nope");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(), "No such container: nope");
}

TEST_F(ContainerManagerTest, NameConflictUsesDockerText) {
  ASSERT_TRUE(Create(kIdA, "web").ok());
  auto dup = Create(kIdB, "/web");
  EXPECT_EQ(dup.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(dup.status().message(),
            "Conflict. The container name \"/web\" is already in use by container \"" + kIdA +
                "\". You have to remove (or rename) that container to be able to reuse that "
                "name.");
  EXPECT_EQ(Create(kIdA, "other").status().code(), absl::StatusCode::kAlreadyExists);
}

TEST_F(ContainerManagerTest, RejectsBadRequests) {
  EXPECT_EQ(Create("xyz", "a1").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Create(kIdA, "bad name").status().code(), absl::StatusCode::kInvalidArgument);
  CreateRequest no_cmd;
  no_cmd.id = kIdA;
  EXPECT_EQ(manager_->CreateContainer(no_cmd).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(ContainerManagerTest, GeneratedNamesAreUnique) {
  auto a = Create(kIdA, "");
  auto b = Create(kIdB, "");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_FALSE(a->name().empty());
  EXPECT_NE(a->name(), b->name());
}

TEST_F(ContainerManagerTest, NotRunningContainerOperations) {
  ASSERT_TRUE(Create(kIdA, "web").ok());
  absl::Status kill = manager_->KillContainer("web", "TERM");
  EXPECT_EQ(kill.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(kill.message(), "Container " + kIdA + " is not running");
  EXPECT_EQ(*manager_->StopContainer("web", -1, ""), true);  // already stopped
  EXPECT_EQ(manager_->ResizeContainer("web", 1, 1).code(), absl::StatusCode::kFailedPrecondition);
  bool registered = false;
  auto waited = manager_->WaitContainer("web", v1::WAIT_CONDITION_NOT_RUNNING,
                                        [&] { registered = true; }, [] { return false; });
  ASSERT_TRUE(waited.ok());
  EXPECT_TRUE(registered);
  EXPECT_EQ(waited->exit_code, 0);
  auto cancelled = manager_->WaitContainer("web", v1::WAIT_CONDITION_NEXT_EXIT, [] {},
                                           [] { return true; });
  EXPECT_EQ(cancelled.status().code(), absl::StatusCode::kCancelled);
}

TEST_F(ContainerManagerTest, RemoveDropsRecordEndsPendingAttachAndEmitsEvents) {
  ASSERT_TRUE(Create(kIdA, "web").ok());
  auto session = manager_->Attach("web", AttachOptions{true, true, true});
  ASSERT_TRUE(session.ok());
  ASSERT_TRUE((*session)->WriteStdin("buffered").ok());
  auto removed = manager_->RemoveContainer("web", false);
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_EQ(removed->id(), kIdA);
  EXPECT_FALSE((*session)->Read().has_value());  // the attach ends
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/state/containers/" + kIdA));
  std::vector<std::string> actions;
  manager_->events().Stream(
      1, 0, [&](const EventRecord& e) {
        actions.push_back(e.action);
        return true;
      },
      [] { return true; });
  EXPECT_EQ(actions, (std::vector<std::string>{"create", "destroy"}));
}

TEST_F(ContainerManagerTest, RecordsSurviveAReopen) {
  ASSERT_TRUE(Create(kIdA, "web").ok());
  Open();
  auto c = manager_->InspectContainer("web");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->id(), kIdA);
  EXPECT_EQ(Create(kIdB, "web").status().code(), absl::StatusCode::kAlreadyExists);
}

TEST_F(ContainerManagerTest, StartFailureIsRecordedAndContainerStaysCreated) {
  ASSERT_TRUE(Create(kIdA, "web").ok());
  auto started = manager_->StartContainer(StartRequest{"web", {}, "", ""});
  EXPECT_FALSE(started.ok());  // the shim binary does not exist
  auto c = manager_->InspectContainer("web");
  EXPECT_EQ(c->state().status(), v1::CONTAINER_STATUS_CREATED);
  EXPECT_THAT(c->state().error(), HasSubstr("berth-shim"));
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/state/containers/" + kIdA + "/config.json"));
}

// Volumes are held by container records (running or not): removal is
// refused while one mounts it, rm -v takes the anonymous ones, and each step
// is a volume event.
TEST_F(ContainerManagerTest, VolumesInUseByRecordsAndRemovedWithTheirContainer) {
  volumes::CreateVolumeOptions named;
  named.name = "data";
  named.labels = {{"team", "a"}};
  ASSERT_TRUE(manager_->CreateVolume(named).ok());
  CreateRequest request;
  request.id = kIdA;
  request.name = "web";
  request.config.add_cmd("true");
  request.config.add_binds("data:/data");
  request.config.add_volumes("/anon");
  auto c = manager_->CreateContainer(request);
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->mounts_size(), 2);
  std::string anon = c->mounts(0).name();
  EXPECT_TRUE(c->mounts(0).anonymous());
  EXPECT_EQ(c->mounts(1).name(), "data");

  absl::Status refused = manager_->RemoveVolume("data", /*force=*/true);
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(refused.message(), "remove data: volume is in use - [" + kIdA + "]");
  v1::VolumeFilters in_use;
  in_use.set_dangling("false");
  EXPECT_EQ(manager_->ListVolumes(in_use)->size(), 2u);
  auto pruned = manager_->PruneVolumes({});
  ASSERT_TRUE(pruned.ok());
  EXPECT_TRUE(pruned->deleted().empty());
  auto inspected = manager_->InspectVolume("data");
  ASSERT_TRUE(inspected.ok());
  EXPECT_THAT(inspected->used_by(), ::testing::ElementsAre(kIdA));

  // The records and volumes come back after a reopen, still linked.
  Open();
  EXPECT_EQ(manager_->RemoveVolume("data", false).code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(manager_->RemoveContainer("web", false, /*remove_volumes=*/true).ok());
  EXPECT_EQ(manager_->InspectVolume(anon).status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(manager_->InspectVolume("data").ok());  // named volumes stay
  EXPECT_TRUE(manager_->RemoveVolume("data", false).ok());
  EXPECT_TRUE(manager_->RemoveVolume("data", true).ok());  // force: gone is fine
  EXPECT_EQ(manager_->RemoveVolume("data", false).code(), absl::StatusCode::kNotFound);

  std::vector<std::string> volume_events;
  manager_->events().Stream(
      1, 0, [&](const EventRecord& e) {
        if (e.type == "volume") volume_events.push_back(e.action + " " + e.id.substr(0, 4));
        return true;
      },
      [] { return true; });
  // The events are persisted: the creates from before the reopen are kept.
  EXPECT_EQ(volume_events,
            (std::vector<std::string>{"create data", "create " + anon.substr(0, 4),
                                      "destroy " + anon.substr(0, 4), "destroy data"}));
}

}  // namespace
}  // namespace berth::runtimed
