// The exec shim's target check on the real kernel (root): an exec joins only
// a container's init. A pid in the host's pid namespace (a reused pid after
// the container died) or a process outside the container's cgroup is
// refused before anything is joined; a pid that is gone is refused too.
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "common/fs/fs.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/runtimed/shim_launcher.h"
#include "services/runtimed/spec/shim_config.h"

namespace berth::runtimed {
namespace {

using ::testing::HasSubstr;

class ExecShimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (setns, pidfd of another process)";
    char tmpl[] = "/tmp/exec-shim-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    if (child_ > 0) {
      kill(child_, SIGKILL);
      waitpid(child_, nullptr, 0);
    }
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  // Launches an exec shim aimed at `pid`; returns its setup result.
  absl::StatusOr<pid_t> LaunchExecAt(pid_t pid, const std::string& cgroup_parent) {
    spec::ShimConfig c;
    c.id = "exec-test";
    c.args = {"true"};
    c.env = {"PATH=/bin:/usr/bin"};
    c.rootfs_dir = dir_ + "/rootfs";
    c.socket_path = dir_ + "/shim.sock";
    c.exit_path = dir_ + "/exit.json";
    c.log_path = "";
    c.cgroup_parent = cgroup_parent;
    c.join_pid = pid;
    c.join_container = "f00d" + std::string(60, 'e');
    EXPECT_TRUE(fs::WriteFileAtomically(dir_ + "/config.json", spec::ToJson(c)).ok());
    return LaunchShim(ShimLaunch{BERTH_SHIM_PATH, dir_ + "/config.json", dir_ + "/shim.log"});
  }

  std::string dir_;
  pid_t child_ = -1;
};

TEST_F(ExecShimTest, AHostProcessIsNeverJoined) {
  auto launched = LaunchExecAt(getpid(), "");
  ASSERT_FALSE(launched.ok());
  EXPECT_THAT(launched.status().message(), HasSubstr("host pid namespace"));
  // Nothing is left listening.
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/shim.sock"));
}

TEST_F(ExecShimTest, AProcessOutsideTheContainersCgroupIsRefused) {
  // Its own pid namespace, but the host's cgroup: not the container's init.
  long pid = syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, nullptr, nullptr, nullptr, nullptr);
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    pause();
    _exit(0);
  }
  child_ = static_cast<pid_t>(pid);
  auto launched = LaunchExecAt(child_, "berth");
  ASSERT_FALSE(launched.ok());
  EXPECT_THAT(launched.status().message(), HasSubstr("is not in the cgroup of container"));
}

TEST_F(ExecShimTest, AGoneInitIsRefused) {
  long pid = syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, nullptr, nullptr, nullptr, nullptr);
  ASSERT_GE(pid, 0);
  if (pid == 0) _exit(0);
  waitpid(static_cast<pid_t>(pid), nullptr, 0);
  auto launched = LaunchExecAt(static_cast<pid_t>(pid), "");
  ASSERT_FALSE(launched.ok());
  EXPECT_THAT(launched.status().message(), HasSubstr("init is gone"));
}

}  // namespace
}  // namespace berth::runtimed
