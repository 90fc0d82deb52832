// The fd-relative resolution under the init's rootfs setup; runs as any user
// on a temp dir (the mounts themselves are covered by the root e2e tests).
#include "services/runtimed/shim/rootfs_apply.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace berth::runtimed::shim {
namespace {

namespace stdfs = std::filesystem;
using ::testing::HasSubstr;

class OpenInRootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-openinroot-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    top_ = tmpl;
    root_ = top_ / "root";
    outside_ = top_ / "host";
    stdfs::create_directories(root_);
    stdfs::create_directories(outside_);
    chmod(outside_.c_str(), 0700);
    root_fd_.reset(open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    ASSERT_TRUE(root_fd_.valid());
  }
  void TearDown() override { stdfs::remove_all(top_); }

  stdfs::path top_, root_, outside_;
  fs::ScopedFd root_fd_;
};

TEST_F(OpenInRootTest, MakesMissingDirectoriesWithTheirMode) {
  mode_t old = umask(0);
  auto fd = OpenInRoot(root_fd_.get(), "/dev/pts/x", true, 0711);
  umask(old);
  ASSERT_TRUE(fd.ok()) << fd.status();
  EXPECT_TRUE(stdfs::is_directory(root_ / "dev/pts/x"));
  struct stat st{};
  ASSERT_EQ(stat((root_ / "dev/pts").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0711u);
}

TEST_F(OpenInRootTest, AbsoluteSymlinkToAHostPathIsRefusedAndTheHostUntouched) {
  // An image whose `proc` points at the host's /root (here: `outside_`).
  stdfs::create_directory_symlink(outside_, root_ / "proc");
  auto fd = OpenInRoot(root_fd_.get(), "/proc", true);
  EXPECT_EQ(fd.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(fd.status().message()), HasSubstr("'/proc'"));
  EXPECT_THAT(std::string(fd.status().message()), HasSubstr("symlink"));
  struct stat st{};
  ASSERT_EQ(stat(outside_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  EXPECT_TRUE(stdfs::is_empty(outside_));
}

TEST_F(OpenInRootTest, SymlinkInTheMiddleAndDotDotAreRefused) {
  stdfs::create_directory_symlink("../host", root_ / "sys");
  EXPECT_EQ(OpenInRoot(root_fd_.get(), "/sys/fs/cgroup", true).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(stdfs::exists(outside_ / "fs"));
  EXPECT_EQ(OpenInRoot(root_fd_.get(), "/a/../../host", true).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(OpenInRootTest, FileWhereADirectoryIsNeeded) {
  std::ofstream(root_ / "dev") << "x";
  auto fd = OpenInRoot(root_fd_.get(), "/dev/pts", true);
  EXPECT_EQ(fd.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(fd.status().message()), HasSubstr("not a directory"));
}

}  // namespace
}  // namespace berth::runtimed::shim
