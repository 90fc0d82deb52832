#include "common/fs/fs.h"

#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "gtest/gtest.h"

namespace berth::fs {
namespace {

class FsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-fs-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(FsTest, WriteAtomicallyReplacesContentAndLeavesNoTemp) {
  std::string path = dir_ + "/state.json";
  ASSERT_TRUE(WriteFileAtomically(path, "one").ok());
  ASSERT_TRUE(WriteFileAtomically(path, "two", 0600).ok());
  auto content = ReadFile(path);
  ASSERT_TRUE(content.ok());
  EXPECT_EQ(*content, "two");
  int entries = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir_)) ++entries;
  EXPECT_EQ(entries, 1);
}

TEST_F(FsTest, ReadMissingIsNotFound) {
  EXPECT_EQ(ReadFile(dir_ + "/nope").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(FsTest, WriteIntoMissingDirFails) {
  EXPECT_FALSE(WriteFileAtomically(dir_ + "/no/such/dir/f", "x").ok());
}

TEST_F(FsTest, MakeDirsAndRemoveTree) {
  ASSERT_TRUE(MakeDirs(dir_ + "/a/b/c").ok());
  EXPECT_TRUE(std::filesystem::is_directory(dir_ + "/a/b/c"));
  ASSERT_TRUE(RemoveTree(dir_ + "/a").ok());
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/a"));
}

}  // namespace
}  // namespace berth::fs

namespace berth::fs {
namespace {

TEST(RemoveTreeTest, MissingPathIsOk) { EXPECT_TRUE(RemoveTree("/tmp/berth-no-such-tree-xyz").ok()); }

TEST(RemoveTreeTest, NeverEntersAMountPoint) {
  if (::geteuid() != 0) GTEST_SKIP() << "mounting needs root";
  char tmpl[] = "/tmp/berth-rmtree-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string dir = tmpl;
  ASSERT_TRUE(MakeDirs(dir + "/tree/mnt").ok());
  ASSERT_TRUE(MakeDirs(dir + "/precious").ok());
  ASSERT_TRUE(WriteFileAtomically(dir + "/precious/keep", "x").ok());
  ASSERT_TRUE(WriteFileAtomically(dir + "/tree/other", "y").ok());
  ASSERT_EQ(::mount("tmpfs", (dir + "/tree/mnt").c_str(), "tmpfs", 0, nullptr), 0);
  ASSERT_TRUE(WriteFileAtomically(dir + "/tree/mnt/inside", "z").ok());
  absl::Status status = RemoveTree(dir + "/tree");
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_TRUE(std::filesystem::exists(dir + "/tree/mnt/inside"));
  EXPECT_FALSE(std::filesystem::exists(dir + "/tree/other"));
  ::umount2((dir + "/tree/mnt").c_str(), MNT_DETACH);
  EXPECT_TRUE(RemoveTree(dir).ok());
  EXPECT_FALSE(std::filesystem::exists(dir));
}

}  // namespace
}  // namespace berth::fs
