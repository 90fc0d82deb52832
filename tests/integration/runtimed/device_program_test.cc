// The cgroup v2 device program in the real kernel (root): loaded and attached
// to a test's own cgroup in the cgroup2 mount (on this hybrid host, the
// unified hierarchy at /sys/fs/cgroup/unified), then a child moved into that
// cgroup may open the devices the rules allow and no other.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/runtimed/cgroups/cgroup_manager.h"
#include "services/runtimed/cgroups/device_filter.h"
#include "services/runtimed/cgroups/device_program.h"

namespace berth::runtimed::cgroups {
namespace {

class DeviceProgramTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root";
    auto layout = DetectHostLayout();
    if (!layout.ok() || layout->unified.empty()) GTEST_SKIP() << "no cgroup2 mount";
    dir_ = absl::StrCat(layout->unified, "/berth-devtest-", getpid());
    ASSERT_EQ(mkdir(dir_.c_str(), 0755), 0) << strerror(errno);
  }
  void TearDown() override {
    if (!dir_.empty()) rmdir(dir_.c_str());
  }

  // Forks a child that joins the cgroup and opens `path`; its errno (0 for
  // success), or -1 when it could not join.
  int OpenInCgroup(const char* path, int flags) {
    pid_t child = fork();
    if (child == 0) {
      int procs = open((dir_ + "/cgroup.procs").c_str(), O_WRONLY);
      if (procs < 0 || write(procs, "0", 1) != 1) _exit(255);
      int fd = open(path, flags);
      _exit(fd >= 0 ? 0 : errno);
    }
    int status = 0;
    waitpid(child, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) == 255) return -1;
    return WEXITSTATUS(status);
  }

  std::string dir_;
};

TEST_F(DeviceProgramTest, OnlyAllowedDevicesOpen) {
  auto null_rule = ParseDeviceRule("c 1:3 rwm");  // /dev/null
  ASSERT_TRUE(null_rule.ok());
  // Before: both open.
  EXPECT_EQ(OpenInCgroup("/dev/zero", O_RDONLY), 0);
  absl::Status attached = AttachDeviceProgram(dir_, BuildDeviceFilter({*null_rule}));
  ASSERT_TRUE(attached.ok()) << attached;
  EXPECT_EQ(OpenInCgroup("/dev/null", O_RDWR), 0);
  EXPECT_EQ(OpenInCgroup("/dev/zero", O_RDONLY), EPERM);  // c 1:5
  EXPECT_EQ(OpenInCgroup("/dev/full", O_WRONLY), EPERM);  // c 1:7
}

TEST_F(DeviceProgramTest, TheV2DriverAttachesItThroughApplyDevices) {
  Layout layout;
  layout.version = Version::kV2;
  layout.unified = dir_.substr(0, dir_.rfind('/'));
  auto manager = NewCgroupManager(layout, "", dir_.substr(dir_.rfind('/') + 1));
  ASSERT_TRUE(manager->ApplyDevices({"c 1:5 r"}).ok());  // /dev/zero, read only
  EXPECT_EQ(OpenInCgroup("/dev/zero", O_RDONLY), 0);
  EXPECT_EQ(OpenInCgroup("/dev/zero", O_RDWR), EPERM);
  EXPECT_EQ(OpenInCgroup("/dev/null", O_RDONLY), EPERM);
}

}  // namespace
}  // namespace berth::runtimed::cgroups
