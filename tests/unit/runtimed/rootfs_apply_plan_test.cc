// The rootfs applier against a recording Mounter: the real plan (PlanRootfs)
// applied to a temp dir standing for the merged image, without root. The
// paths are resolved and made for real (openat2, mkdirat), so these tests
// check the order of the mounts, that each goes onto the fd resolved inside
// the root, and that an image's symlink stops the start before anything is
// mounted through it.
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/runtimed/shim/rootfs_apply.h"
#include "services/runtimed/shim/rootfs_plan.h"
#include "services/runtimed/testing/recording_mounter.h"

namespace berth::runtimed::shim {
namespace {

namespace stdfs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::RecordedCall;
using testing::RecordingMounter;

class RootfsApplyPlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-rootfs-plan-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    top_ = tmpl;
    root_ = (top_ / "rootfs").string();
    outside_ = top_ / "host";
    stdfs::create_directories(outside_);
  }
  void TearDown() override { stdfs::remove_all(top_); }

  spec::ShimConfig Config() {
    spec::ShimConfig c;
    c.rootfs_dir = root_;
    c.mounts = {spec::MountSpec{"overlay", "overlay", "", {"lowerdir=/l", "upperdir=/u",
                                                             "workdir=/w"}}};
    return c;
  }
  absl::Status Apply(const spec::ShimConfig& c, const std::vector<DeviceNode>& devices = {}) {
    auto steps = PlanRootfs(c, devices);
    if (!steps.ok()) return steps.status();
    return ApplyRootfsPlan(*steps, root_, mounter_);
  }
  std::vector<std::string> Mounts() const {
    std::vector<std::string> out;
    for (const RecordedCall& c : mounter_.calls()) {
      if (c.op == RecordedCall::Op::kMount) out.push_back(c.Summary());
    }
    return out;
  }

  stdfs::path top_, outside_;
  std::string root_;
  RecordingMounter mounter_;
};

TEST_F(RootfsApplyPlanTest, MountsInOrderEachOntoItsTargetInsideTheRoot) {
  ASSERT_TRUE(Apply(Config()).ok());
  EXPECT_THAT(Mounts(), ElementsAre("mount overlay /", "mount proc /proc", "mount tmpfs /dev",
                                    "mount devpts /dev/pts", "mount tmpfs /dev/shm",
                                    "mount mqueue /dev/mqueue", "mount sysfs /sys"));
  // The whole sequence: the standard nodes and links between /dev's tmpfs
  // and its devpts.
  std::vector<std::string> all = mounter_.Summaries();
  ASSERT_EQ(all.size(), 7u + 6u + 6u);
  EXPECT_THAT(std::vector<std::string>(all.begin() + 3, all.begin() + 9),
              ElementsAre("mknod /dev/null", "mknod /dev/zero", "mknod /dev/full",
                          "mknod /dev/random", "mknod /dev/urandom", "mknod /dev/tty"));
  EXPECT_EQ(all[9], "symlink /dev/fd");
  EXPECT_EQ(all[15], "mount devpts /dev/pts");

  for (const RecordedCall& c : mounter_.calls()) {
    // The root goes onto runtimed's host path; every other call acts on what
    // was resolved below it (the readlink of the fd the applier passed).
    std::string want = c.in_root == "/" ? root_ : root_ + c.in_root;
    EXPECT_EQ(c.resolved, want) << c.Summary();
  }
  const RecordedCall& proc = mounter_.calls()[1];
  EXPECT_EQ(proc.source, "proc");
  EXPECT_EQ(proc.flags, static_cast<unsigned long>(MS_NOSUID | MS_NODEV | MS_NOEXEC));
  const RecordedCall& null = mounter_.calls()[3];
  EXPECT_EQ(null.mode, static_cast<mode_t>(S_IFCHR | 0666));
  EXPECT_EQ(null.dev, makedev(1, 3));
  EXPECT_EQ(mounter_.calls()[9].source, "/proc/self/fd");
  // The mount points were made for real, with the plan's modes.
  struct stat st{};
  ASSERT_EQ(stat((root_ + "/dev/shm").c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_TRUE(stdfs::is_directory(root_ + "/dev/mqueue"));
  EXPECT_TRUE(stdfs::is_directory(root_ + "/sys"));
}

TEST_F(RootfsApplyPlanTest, SymlinkedProcInTheImageRefusesBeforeAnythingIsMountedThrough) {
  // An image whose `proc` points at the host (here: `outside_`).
  stdfs::create_directories(root_);
  stdfs::create_directory_symlink(outside_, root_ + "/proc");
  absl::Status s = Apply(Config());
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(s.message()), HasSubstr("'/proc'"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("symlink"));
  // Only the image itself was mounted (onto the host dir runtimed made);
  // nothing went through the link, and the host dir is untouched.
  EXPECT_THAT(mounter_.Summaries(), ElementsAre("mount overlay /"));
  EXPECT_TRUE(stdfs::is_empty(outside_));
}

TEST_F(RootfsApplyPlanTest, SymlinkedVolumeTargetRefusesBeforeTheBind) {
  stdfs::create_directories(root_);
  stdfs::create_directory_symlink(outside_, root_ + "/data");
  spec::ShimConfig c = Config();
  c.mounts.push_back(spec::MountSpec{"bind", "/host/data", "/data", {"rbind", "ro"}});
  absl::Status s = Apply(c);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(s.message()), HasSubstr("'/data'"));
  EXPECT_THAT(mounter_.Summaries(), ElementsAre("mount overlay /"));
}

TEST_F(RootfsApplyPlanTest, ReadOnlyBindIsMountedThenRemountedOnTheSameTarget) {
  spec::ShimConfig c = Config();
  c.mounts.push_back(spec::MountSpec{"bind", "/host/data", "/srv/data", {"rbind", "ro"}});
  ASSERT_TRUE(Apply(c).ok());
  ASSERT_GE(mounter_.calls().size(), 3u);
  const RecordedCall& bind = mounter_.calls()[1];
  const RecordedCall& ro = mounter_.calls()[2];
  EXPECT_EQ(bind.Summary(), "mount bind /srv/data");
  EXPECT_EQ(bind.source, "/host/data");
  EXPECT_EQ(bind.flags & MS_RDONLY, 0u);  // ignored on a bind's first call
  EXPECT_EQ(bind.resolved, root_ + "/srv/data");
  EXPECT_EQ(ro.in_root, "/srv/data");
  EXPECT_EQ(ro.flags, static_cast<unsigned long>(MS_BIND | MS_REMOUNT | MS_RDONLY));
  EXPECT_EQ(ro.resolved, root_ + "/srv/data");
}

TEST_F(RootfsApplyPlanTest, HostDeviceInASubdirectoryGetsItsDirectoryAndNode) {
  ASSERT_TRUE(Apply(Config(), {DeviceNode{"net/tun", false, 10, 200, 0600},
                               DeviceNode{"sda", true, 8, 0, 0660}})
                  .ok());
  std::vector<const RecordedCall*> host_nodes;
  for (const RecordedCall& c : mounter_.calls()) {
    if (c.in_root == "/dev/net/tun" || c.in_root == "/dev/sda") host_nodes.push_back(&c);
  }
  ASSERT_EQ(host_nodes.size(), 2u);
  EXPECT_EQ(host_nodes[0]->mode, static_cast<mode_t>(S_IFCHR | 0600));
  EXPECT_EQ(host_nodes[0]->dev, makedev(10, 200));
  EXPECT_EQ(host_nodes[0]->resolved, root_ + "/dev/net/tun");
  EXPECT_EQ(host_nodes[1]->mode, static_cast<mode_t>(S_IFBLK | 0660));
  EXPECT_TRUE(stdfs::is_directory(root_ + "/dev/net"));
}

TEST_F(RootfsApplyPlanTest, AFailedMountStopsTheApplyWithItsError) {
  mounter_.FailOn("/dev");
  absl::Status s = Apply(Config());
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(std::string(s.message()), HasSubstr("mount tmpfs on '/dev'"));
  EXPECT_THAT(mounter_.Summaries(),
              ElementsAre("mount overlay /", "mount proc /proc", "mount tmpfs /dev"));
}

}  // namespace
}  // namespace berth::runtimed::shim
