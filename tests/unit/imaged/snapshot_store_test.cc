#include "services/imaged/snapshots/snapshot_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "common/fs/fs.h"
#include "tests/unit/imaged/test_util.h"

namespace berth::imaged::snapshots {
namespace {

TEST(OverlayMountTest, OptionsListLowerDirsTopFirst) {
  auto m = BuildOverlayMount({"/s/layers/top/diff", "/s/layers/base/diff"}, "/s/snap/k/upper",
                             "/s/snap/k/work");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->type, "overlay");
  EXPECT_EQ(m->source, "overlay");
  EXPECT_EQ(m->target, "/");
  EXPECT_EQ(m->options,
            (std::vector<std::string>{"lowerdir=/s/layers/top/diff:/s/layers/base/diff",
                                      "upperdir=/s/snap/k/upper", "workdir=/s/snap/k/work"}));
}

TEST(OverlayMountTest, RefusesWhatTheKernelWouldNot) {
  EXPECT_EQ(BuildOverlayMount({}, "/u", "/w").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(BuildOverlayMount({"/a,b"}, "/u", "/w").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(BuildOverlayMount({"/a"}, "/u:x", "/w").status().code(),
            absl::StatusCode::kInvalidArgument);
  std::vector<std::string> many(200, "/var/lib/berth/imaged/layers/abcdefghijklmnop/diff");
  EXPECT_EQ(BuildOverlayMount(many, "/u", "/w").status().code(),
            absl::StatusCode::kResourceExhausted);
}

TEST(SnapshotKeyTest, Validation) {
  EXPECT_TRUE(ValidateSnapshotKey(std::string(64, 'a')).ok());
  EXPECT_TRUE(ValidateSnapshotKey("build-1.step_2").ok());
  for (const std::string& bad : std::vector<std::string>{"", "../x", "a/b", ".hidden", "a,b", "a:b", "-x"}) {
    EXPECT_FALSE(ValidateSnapshotKey(bad).ok()) << bad;
  }
  EXPECT_FALSE(ValidateSnapshotKey(std::string(129, 'a')).ok());
}

class SnapshotStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs::MakeDirs(paths_.snapshots_dir()).ok());
    ASSERT_TRUE(fs::MakeDirs(paths_.tmp_dir()).ok());
    ASSERT_TRUE(store_.Recover().ok());
  }
  testing::TempDir dir_;
  Paths paths_{dir_.path()};
  SnapshotStore store_{paths_};
};

TEST_F(SnapshotStoreTest, CreateRemoveAndRecover) {
  SnapshotRecord r{"c1", "sha256:" + std::string(64, 'a'), {"sha256:" + std::string(64, 'b')},
                   absl::FromUnixSeconds(1700000000)};
  ASSERT_TRUE(store_.Create(r).ok());
  EXPECT_EQ(store_.Create(r).code(), absl::StatusCode::kAlreadyExists);
  struct stat st;
  EXPECT_EQ(::stat(paths_.snapshot_upper("c1").c_str(), &st), 0);
  EXPECT_EQ(::stat(paths_.snapshot_work("c1").c_str(), &st), 0);
  ASSERT_TRUE(fs::WriteFileAtomically(paths_.snapshot_upper("c1") + "/written", "x").ok());

  // A leftover dir without meta.json (interrupted removal) goes at recovery.
  ASSERT_TRUE(fs::MakeDirs(paths_.snapshot_dir("half") + "/upper").ok());
  SnapshotStore reopened(paths_);
  ASSERT_TRUE(reopened.Recover().ok());
  ASSERT_EQ(reopened.List().size(), 1u);
  EXPECT_EQ(reopened.Get("c1")->image_id, r.image_id);
  EXPECT_EQ(reopened.Get("c1")->layers, r.layers);
  EXPECT_EQ(reopened.Get("c1")->created, r.created);
  EXPECT_NE(::stat(paths_.snapshot_dir("half").c_str(), &st), 0);

  ASSERT_TRUE(reopened.Remove("c1").ok());
  EXPECT_TRUE(reopened.Remove("c1").ok());
  EXPECT_EQ(reopened.Get("c1"), nullptr);
  EXPECT_EQ(testing::CountEntries(paths_.snapshots_dir()), 0);
  EXPECT_EQ(testing::CountEntries(paths_.tmp_dir()), 0);
}

}  // namespace
}  // namespace berth::imaged::snapshots
