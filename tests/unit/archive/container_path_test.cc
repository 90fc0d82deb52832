// common/archive on a temp dir standing for a container's root: symlinks to
// "/" and ".." resolve inside it, hostile tar entries are refused or kept
// inside, and what goes out and in round-trips.
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "common/archive/path_archive.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace berth::archive {
namespace {

namespace stdfs = std::filesystem;

class ContainerPathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-archive-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    root_ = dir_ + "/root";
    stdfs::create_directories(root_ + "/etc");
    stdfs::create_directories(root_ + "/data/sub");
    std::ofstream(root_ + "/etc/passwd") << "container-passwd\n";
    std::ofstream(root_ + "/data/sub/f") << "f\n";
    stdfs::create_symlink("/", root_ + "/escape");
    stdfs::create_symlink("../../../../..", root_ + "/data/up");
    fd_ = ::open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    ASSERT_GE(fd_, 0);
  }
  void TearDown() override {
    ::close(fd_);
    stdfs::remove_all(dir_);
  }

  // A tar with one regular file `name` (or a char device when `device`).
  static std::string Tar(const std::string& name, const std::string& data, bool device = false) {
    std::string out;
    struct archive* a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    archive_write_open(
        a, &out, nullptr,
        [](struct archive*, void* o, const void* b, size_t n) -> la_ssize_t {
          static_cast<std::string*>(o)->append(static_cast<const char*>(b), n);
          return static_cast<la_ssize_t>(n);
        },
        nullptr);
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_filetype(e, device ? AE_IFCHR : AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, device ? 0 : static_cast<la_int64_t>(data.size()));
    archive_write_header(a, e);
    if (!device) archive_write_data(a, data.data(), data.size());
    archive_entry_free(e);
    archive_write_close(a);
    archive_write_free(a);
    return out;
  }
  absl::Status Extract(const std::string& dest, const std::string& tar) {
    bool sent = false;
    return ExtractToContainerPath(fd_, dest, {}, [&]() -> absl::StatusOr<std::string> {
      if (sent) return std::string();
      sent = true;
      return tar;
    });
  }

  std::string dir_, root_;
  int fd_ = -1;
};

TEST_F(ContainerPathTest, StatResolvesLinksInsideTheRoot) {
  absl::StatusOr<PathStat> link = StatContainerPath(fd_, "/escape");
  ASSERT_TRUE(link.ok()) << link.status();
  EXPECT_EQ(link->name, "escape");
  EXPECT_EQ(link->mode & (1u << 27), 1u << 27);  // Go's ModeSymlink
  EXPECT_EQ(link->link_target, "/");
  absl::StatusOr<PathStat> up = StatContainerPath(fd_, "/data/up/etc/passwd");
  ASSERT_TRUE(up.ok()) << up.status();
  EXPECT_EQ(up->size, 17);
  absl::StatusOr<PathStat> dir = StatContainerPath(fd_, "/escape/");
  ASSERT_TRUE(dir.ok());
  EXPECT_EQ(dir->mode & (1u << 31), 1u << 31);
  EXPECT_TRUE(absl::IsNotFound(StatContainerPath(fd_, "/escape/no/such").status()));
}

TEST_F(ContainerPathTest, ArchiveThroughALinkToRootReadsTheContainersFile) {
  std::string tar;
  absl::Status s = ArchiveContainerPath(fd_, "/escape/etc/passwd", [&](const void* d, size_t n) {
    tar.append(static_cast<const char*>(d), n);
    return absl::OkStatus();
  });
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_THAT(tar, ::testing::HasSubstr("container-passwd"));
  EXPECT_THAT(tar, ::testing::HasSubstr("passwd"));
}

TEST_F(ContainerPathTest, ExtractThroughLinksLandsInsideTheRoot) {
  ASSERT_TRUE(Extract("/escape/etc", Tar("dropped", "in\n")).ok());
  EXPECT_TRUE(stdfs::exists(root_ + "/etc/dropped"));
  ASSERT_TRUE(Extract("/data/up/data", Tar("up-dropped", "in\n")).ok());
  EXPECT_TRUE(stdfs::exists(root_ + "/data/up-dropped"));
  // An entry that goes through a link extracted earlier stays inside too.
  ASSERT_TRUE(Extract("/data", Tar("up/etc/via-link", "x")).ok());
  EXPECT_TRUE(stdfs::exists(root_ + "/etc/via-link"));
}

TEST_F(ContainerPathTest, HostileEntriesAreRefusedOrContained) {
  absl::Status dotdot = Extract("/data", Tar("../../../../../tmp/berth-evil", "x"));
  EXPECT_TRUE(absl::IsInvalidArgument(dotdot)) << dotdot;
  EXPECT_FALSE(stdfs::exists("/tmp/berth-evil"));
  absl::Status device = Extract("/data", Tar("null2", "", /*device=*/true));
  EXPECT_TRUE(absl::IsInvalidArgument(device)) << device;
  EXPECT_FALSE(stdfs::exists(root_ + "/data/null2"));
  ASSERT_TRUE(Extract("/data", Tar("/abs/file", "abs")).ok());
  EXPECT_TRUE(stdfs::exists(root_ + "/data/abs/file"));
  EXPECT_TRUE(absl::IsInvalidArgument(Extract("/etc/passwd", Tar("x", "x"))));
}

}  // namespace
}  // namespace berth::archive
