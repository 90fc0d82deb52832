// Container mounts (volumes, binds, tmpfs) in the rootfs plan, applied to a
// temp dir through the recording Mounter (no root): their order after /sys,
// read-only remounts and propagation on the same target, file binds, the
// copy-up of the image's content into an empty volume, and that a symlink
// in the image can neither redirect a mount nor the copy out of the root.
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/runtimed/shim/rootfs_apply.h"
#include "services/runtimed/shim/rootfs_copy_up.h"
#include "services/runtimed/shim/rootfs_plan.h"
#include "services/runtimed/testing/recording_mounter.h"

namespace berth::runtimed::shim {
namespace {

namespace stdfs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::RecordedCall;
using testing::RecordingMounter;

std::string Read(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class RootfsVolumesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-rootfs-volumes-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    top_ = tmpl;
    root_ = (top_ / "rootfs").string();
    volume_ = (top_ / "volume").string();
    outside_ = (top_ / "host").string();
    stdfs::create_directories(root_);
    stdfs::create_directories(volume_);
    stdfs::create_directories(outside_);
  }
  void TearDown() override { stdfs::remove_all(top_); }

  spec::ShimConfig Config() {
    spec::ShimConfig c;
    c.rootfs_dir = root_;
    c.mounts = {spec::MountSpec{"overlay", "overlay", "", {"lowerdir=/l"}}};
    return c;
  }
  absl::Status Apply(const spec::ShimConfig& c) {
    auto steps = PlanRootfs(c, {});
    if (!steps.ok()) return steps.status();
    return ApplyRootfsPlan(*steps, root_, mounter_);
  }
  // The mounts after /sys: the container's own.
  std::vector<const RecordedCall*> ContainerMounts() const {
    std::vector<const RecordedCall*> out;
    bool after_sys = false;
    for (const RecordedCall& c : mounter_.calls()) {
      if (c.op != RecordedCall::Op::kMount) continue;
      if (after_sys) out.push_back(&c);
      if (c.in_root == "/sys") after_sys = true;
    }
    return out;
  }

  stdfs::path top_;
  std::string root_, volume_, outside_;
  RecordingMounter mounter_;
};

TEST_F(RootfsVolumesTest, BindsAndTmpfsComeAfterSysEachOntoItsTargetInsideTheRoot) {
  spec::ShimConfig c = Config();
  c.container_mounts = {
      spec::MountSpec{"bind", volume_, "/data", {"rbind"}, /*copy_up=*/false, /*file=*/false},
      spec::MountSpec{"bind", outside_, "/srv/ro", {"rbind", "rslave", "ro"}, false, false},
      spec::MountSpec{"tmpfs", "tmpfs", "/run", {"nosuid", "nodev", "noexec", "size=1m"}, false,
                      false}};
  ASSERT_TRUE(Apply(c).ok());
  std::vector<const RecordedCall*> mounts = ContainerMounts();
  ASSERT_EQ(mounts.size(), 5u);
  EXPECT_EQ(mounts[0]->Summary(), "mount bind /data");
  EXPECT_EQ(mounts[0]->source, volume_);
  EXPECT_EQ(mounts[0]->flags, static_cast<unsigned long>(MS_BIND | MS_REC));
  EXPECT_EQ(mounts[1]->in_root, "/srv/ro");
  EXPECT_EQ(mounts[1]->flags & MS_RDONLY, 0u);  // the first call ignores it
  // Propagation, then the read-only remount, both on the same target.
  EXPECT_EQ(mounts[2]->in_root, "/srv/ro");
  EXPECT_EQ(mounts[2]->flags, static_cast<unsigned long>(MS_SLAVE | MS_REC));
  EXPECT_EQ(mounts[3]->in_root, "/srv/ro");
  EXPECT_EQ(mounts[3]->flags, static_cast<unsigned long>(MS_BIND | MS_REMOUNT | MS_RDONLY));
  EXPECT_EQ(mounts[4]->Summary(), "mount tmpfs /run");
  EXPECT_EQ(mounts[4]->flags, static_cast<unsigned long>(MS_NOSUID | MS_NODEV | MS_NOEXEC));
  EXPECT_EQ(mounts[4]->data, "size=1m");
  for (const RecordedCall* m : mounts) EXPECT_EQ(m->resolved, root_ + m->in_root);
  EXPECT_TRUE(stdfs::is_directory(root_ + "/srv/ro"));
}

TEST_F(RootfsVolumesTest, FileBindMakesAnEmptyFileTarget) {
  spec::ShimConfig c = Config();
  c.container_mounts = {spec::MountSpec{"bind", outside_ + "/app.conf", "/etc/app.conf",
                                        {"rbind"}, false, /*file=*/true}};
  ASSERT_TRUE(Apply(c).ok());
  EXPECT_TRUE(stdfs::is_regular_file(root_ + "/etc/app.conf"));
  ASSERT_EQ(ContainerMounts().size(), 1u);
  EXPECT_EQ(ContainerMounts()[0]->in_root, "/etc/app.conf");
}

TEST_F(RootfsVolumesTest, HostileSymlinkTargetIsRefusedAndNothingReachesTheHost) {
  // The image's /data points at a host directory.
  stdfs::create_directory_symlink(outside_, root_ + "/data");
  std::ofstream(outside_ + "/secret") << "host";
  spec::ShimConfig c = Config();
  c.container_mounts = {spec::MountSpec{"bind", volume_, "/data", {"rbind"}, /*copy_up=*/true,
                                        false}};
  absl::Status s = Apply(c);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(s.message()), HasSubstr("'/data'"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("symlink"));
  EXPECT_TRUE(ContainerMounts().empty());
  // The copy-up did not read through the link either.
  EXPECT_TRUE(stdfs::is_empty(volume_));
  // A symlink deeper in the path is refused the same way.
  stdfs::remove(root_ + "/data");
  stdfs::create_directory_symlink(outside_, root_ + "/var");
  c.container_mounts[0].target = "/var/lib/x";
  s = Apply(c);
  EXPECT_THAT(std::string(s.message()), HasSubstr("'/var'"));
  EXPECT_EQ(std::distance(stdfs::directory_iterator(outside_), stdfs::directory_iterator()), 1);
}

TEST_F(RootfsVolumesTest, CopyUpFillsAnEmptyVolumeKeepingModesAndLinks) {
  stdfs::create_directories(root_ + "/app/sub");
  std::ofstream(root_ + "/app/sub/conf") << "from the image";
  chmod((root_ + "/app/sub/conf").c_str(), 0640);
  chmod((root_ + "/app").c_str(), 0710);
  stdfs::create_symlink("/etc/passwd", root_ + "/app/link");
  int root_fd = open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(root_fd, 0);
  ASSERT_TRUE(CopyUpIfEmpty(root_fd, "/app", volume_).ok());
  EXPECT_EQ(Read(volume_ + "/sub/conf"), "from the image");
  struct stat st{};
  ASSERT_EQ(stat((volume_ + "/sub/conf").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  ASSERT_EQ(stat(volume_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0710u);  // the volume's root takes the image dir's mode
  EXPECT_TRUE(stdfs::is_symlink(volume_ + "/link"));
  EXPECT_EQ(stdfs::read_symlink(volume_ + "/link"), "/etc/passwd");

  // A volume with content is left alone.
  std::ofstream(root_ + "/app/new") << "later";
  ASSERT_TRUE(CopyUpIfEmpty(root_fd, "/app", volume_).ok());
  EXPECT_FALSE(stdfs::exists(volume_ + "/new"));
  // Nothing in the image at that path: nothing to copy.
  std::string empty = (top_ / "empty").string();
  stdfs::create_directories(empty);
  ASSERT_TRUE(CopyUpIfEmpty(root_fd, "/absent", empty).ok());
  EXPECT_TRUE(stdfs::is_empty(empty));
  close(root_fd);
}

TEST_F(RootfsVolumesTest, BadContainerMountTargetIsRefusedByThePlan) {
  spec::ShimConfig c = Config();
  c.container_mounts = {spec::MountSpec{"bind", volume_, "/a/../../etc", {"rbind"}, false, false}};
  EXPECT_EQ(PlanRootfs(c, {}).status().code(), absl::StatusCode::kInvalidArgument);
  c.container_mounts[0].target = "/";
  EXPECT_EQ(PlanRootfs(c, {}).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace berth::runtimed::shim
