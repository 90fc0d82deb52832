#include "services/imaged/content/content_store.h"

#include <gtest/gtest.h>

#include "common/fs/fs.h"
#include "tests/unit/imaged/test_util.h"

namespace berth::imaged::content {
namespace {

class ContentStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs::MakeDirs(paths_.blobs_dir()).ok());
    ASSERT_TRUE(fs::MakeDirs(paths_.tmp_dir()).ok());
  }
  testing::TempDir dir_;
  Paths paths_{dir_.path()};
  ContentStore store_{paths_};
};

TEST(DigestTest, KnownVector) {
  EXPECT_EQ(DigestOf("abc"),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Sha256 h;
  h.Update("a", 1);
  h.Update("bc", 2);
  EXPECT_EQ(h.FinalDigest(), DigestOf("abc"));
}

TEST(DigestTest, DigestHexValidates) {
  EXPECT_TRUE(DigestHex("sha256:" + std::string(64, '0')).ok());
  EXPECT_FALSE(DigestHex("sha256:../../etc").ok());
  EXPECT_FALSE(DigestHex(std::string(64, '0')).ok());
}

TEST_F(ContentStoreTest, PutReadDelete) {
  auto digest = store_.Put("hello");
  ASSERT_TRUE(digest.ok()) << digest.status();
  EXPECT_EQ(*digest, DigestOf("hello"));
  EXPECT_TRUE(store_.Exists(*digest));
  EXPECT_EQ(*store_.Read(*digest), "hello");
  EXPECT_EQ(*store_.Size(*digest), 5);
  auto list = store_.List();
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(*list, std::vector<std::string>{*digest});
  ASSERT_TRUE(store_.Delete(*digest).ok());
  EXPECT_FALSE(store_.Exists(*digest));
  EXPECT_TRUE(store_.Delete(*digest).ok());  // idempotent
  EXPECT_EQ(store_.Read(*digest).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(ContentStoreTest, ReadDetectsCorruption) {
  auto digest = store_.Put("hello");
  ASSERT_TRUE(digest.ok());
  std::string path = paths_.blob(digest->substr(7));
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  ASSERT_TRUE(fs::WriteFileAtomically(path, "HELLO").ok());
  EXPECT_EQ(store_.Read(*digest).status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(ContentStoreTest, UncommittedWriterLeavesNothing) {
  std::string temp;
  {
    auto writer = store_.NewWriter();
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Write("abc", 3).ok());
    ASSERT_TRUE((*writer)->Close().ok());
    EXPECT_EQ((*writer)->digest(), DigestOf("abc"));
    EXPECT_EQ((*writer)->size(), 3);
    temp = (*writer)->path();
    EXPECT_EQ(*fs::ReadFile(temp), "abc");
  }
  EXPECT_FALSE(fs::ReadFile(temp).ok());
  EXPECT_EQ(testing::CountEntries(paths_.blobs_dir()), 0);
  EXPECT_EQ(testing::CountEntries(paths_.tmp_dir()), 0);
}

}  // namespace
}  // namespace berth::imaged::content
