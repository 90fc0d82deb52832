// Docker rmi semantics of ImageManager::Remove.
#include <gtest/gtest.h>

#include <filesystem>

#include "services/imaged/image_manager.h"
#include "tests/unit/imaged/manager_fixture.h"

namespace berth::imaged {
namespace {

using testing::ManagerTest;
using Strings = std::vector<std::string>;

class RemoveTest : public ManagerTest {
 protected:
  void SetUp() override {
    ManagerTest::SetUp();
    tar_ = SmallRootfs();
    auto image = Import(tar_, "busybox");
    ASSERT_TRUE(image.ok()) << image.status();
    id_ = image->id;
    layer_ = image->diff_ids[0];
  }
  bool StoreIsEmpty() {
    return manager_->List().empty() && Count(paths().layers_dir()) == 0 &&
           Count(paths().blobs_dir()) == 0 && Count(paths().images_dir()) == 0;
  }
  std::string Id12() const { return id_.substr(7, 12); }

  std::string tar_;
  std::string id_;
  std::string layer_;
};

TEST_F(RemoveTest, UntagKeepsImageWhileOtherTagsRemain) {
  ASSERT_TRUE(manager_->Tag("busybox", "busybox:v2").ok());
  auto result = manager_->Remove("busybox", false);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->untagged, Strings{"busybox:latest"});
  EXPECT_TRUE(result->deleted.empty());
  EXPECT_EQ(manager_->Inspect(id_)->repo_tags, Strings{"busybox:v2"});
}

TEST_F(RemoveTest, LastTagDeletesImageAndLayer) {
  auto result = manager_->Remove("docker.io/library/busybox:latest", false);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->untagged, Strings{"busybox:latest"});
  EXPECT_EQ(result->deleted, (Strings{id_, layer_}));
  EXPECT_TRUE(StoreIsEmpty());
  auto again = manager_->Remove("busybox", false);
  EXPECT_EQ(again.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(again.status().message(), "No such image: busybox");
}

TEST_F(RemoveTest, ByIdWithTagsInSeveralRepositoriesNeedsForce) {
  ASSERT_TRUE(manager_->Tag("busybox", "other:1").ok());
  auto refused = manager_->Remove(Id12(), false);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(refused.status().message(),
            "conflict: unable to delete " + Id12() +
                " (must be forced) - image is referenced in multiple repositories");
  auto forced = manager_->Remove(Id12(), true);
  ASSERT_TRUE(forced.ok()) << forced.status();
  EXPECT_EQ(forced->untagged, (Strings{"busybox:latest", "other:1"}));
  EXPECT_EQ(forced->deleted, (Strings{id_, layer_}));
  EXPECT_TRUE(StoreIsEmpty());
}

TEST_F(RemoveTest, ByIdWithTagsOfOneRepositoryNeedsNoForce) {
  ASSERT_TRUE(manager_->Tag("busybox", "busybox:v2").ok());
  auto result = manager_->Remove(id_, false);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->untagged, (Strings{"busybox:latest", "busybox:v2"}));
  EXPECT_TRUE(StoreIsEmpty());
}

TEST_F(RemoveTest, ImageUsedBySnapshotIsProtected) {
  std::string key = "0123456789ab" + std::string(52, 'd');
  ASSERT_TRUE(manager_->PrepareSnapshot(key, id_).ok());
  auto by_tag = manager_->Remove("busybox", false);
  EXPECT_EQ(by_tag.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(by_tag.status().message(),
            "conflict: unable to remove repository reference \"busybox\" (must force) - "
            "container 0123456789ab is using its referenced image " +
                Id12());
  auto by_id = manager_->Remove(id_, false);
  EXPECT_EQ(by_id.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(manager_->Inspect("busybox").ok());

  // Forced: the image goes, the layer stays for the snapshot until it goes too.
  auto forced = manager_->Remove("busybox", true);
  ASSERT_TRUE(forced.ok()) << forced.status();
  EXPECT_EQ(forced->deleted, Strings{id_});
  EXPECT_EQ(manager_->Inspect(id_).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Count(paths().images_dir()), 0);
  EXPECT_GT(Count(paths().layers_dir()), 0);

  // A restart must not reclaim a layer a snapshot still needs.
  Open();
  EXPECT_GT(Count(paths().layers_dir()), 0);
  ASSERT_TRUE(manager_->RemoveSnapshot(key).ok());
  EXPECT_EQ(Count(paths().layers_dir()), 0);
  EXPECT_EQ(Count(paths().blobs_dir()), 0);
}

TEST_F(RemoveTest, SharedLayerSurvivesUntilLastImage) {
  auto second = Import(tar_, "copy");
  ASSERT_TRUE(second.ok());
  auto first = manager_->Remove("busybox", false);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->deleted, Strings{id_});  // layer still used by "copy"
  auto mounts = manager_->PrepareSnapshot("c", "copy");
  ASSERT_TRUE(mounts.ok()) << mounts.status();
  ASSERT_TRUE(manager_->RemoveSnapshot("c").ok());
  auto last = manager_->Remove("copy", false);
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->deleted, (Strings{second->id, layer_}));
  EXPECT_TRUE(StoreIsEmpty());
}

TEST_F(RemoveTest, UntaggedImageRemovedById) {
  auto untagged = Import(tar_);
  ASSERT_TRUE(untagged.ok());
  auto result = manager_->Remove(untagged->id.substr(7), false);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->untagged.empty());
  EXPECT_EQ(result->deleted, Strings{untagged->id});
  EXPECT_TRUE(manager_->Inspect("busybox").ok());
}

}  // namespace
}  // namespace berth::imaged
