// Imported layers mounted for real: the overlay options imaged returns must
// mount, run busybox, and send writes to the snapshot's upper dir.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_join.h"
#include "services/imaged/image_manager.h"
#include "tests/integration/imaged/busybox_rootfs.h"

namespace berth::imaged {
namespace {

// Runs argv, returns (exit status, stdout).
std::pair<int, std::string> RunCommand(std::vector<std::string> argv) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return {-1, ""};
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], 1);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

class OverlayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (mount)";
    tar_ = testing::BusyboxRootfsTar();
    if (tar_.empty()) GTEST_SKIP() << "no " << testing::kHostBusybox << " (busybox-static)";
    ImageManagerOptions options;
    options.state_dir = dir_.path() + "/state";
    auto manager = ImageManager::Create(options);
    ASSERT_TRUE(manager.ok()) << manager.status();
    manager_ = *std::move(manager);
    size_t offset = 0;
    auto image = manager_->Import({"busybox", "", "", {R"(CMD ["sh"])"}},
                                  [&]() -> absl::StatusOr<std::optional<std::string>> {
                                    if (offset >= tar_.size()) return std::nullopt;
                                    std::string chunk = tar_.substr(offset, 65536);
                                    offset += chunk.size();
                                    return chunk;
                                  });
    ASSERT_TRUE(image.ok()) << image.status();
    image_id_ = image->id;
    mountpoint_ = dir_.path() + "/rootfs";
    ASSERT_TRUE(std::filesystem::create_directory(mountpoint_));
  }

  testing::TempDir dir_;
  std::string tar_;
  std::unique_ptr<ImageManager> manager_;
  std::string image_id_;
  std::string mountpoint_;
};

TEST_F(OverlayTest, MountRunAndWriteToUpper) {
  auto mounts = manager_->PrepareSnapshot("c1", image_id_);
  ASSERT_TRUE(mounts.ok()) << mounts.status();
  const snapshots::Mount& m = (*mounts)[0];
  std::string data = absl::StrJoin(m.options, ",");
  ASSERT_EQ(::mount(m.source.c_str(), mountpoint_.c_str(), m.type.c_str(), 0, data.c_str()), 0)
      << "mount -o " << data << ": " << std::strerror(errno);
  absl::Cleanup unmount = [&] { ::umount2(mountpoint_.c_str(), MNT_DETACH); };

  auto [status, out] = RunCommand({"/usr/sbin/chroot", mountpoint_, "/bin/sh", "-c",
                            "cat /etc/hostname && echo written > /created && ls /bin"});
  EXPECT_EQ(status, 0);
  EXPECT_NE(out.find("berth-image"), std::string::npos) << out;
  EXPECT_NE(out.find("busybox"), std::string::npos) << out;

  std::string upper = manager_->paths().snapshot_upper("c1");
  EXPECT_TRUE(std::filesystem::exists(upper + "/created"));
  std::string lower = m.options[0].substr(std::string("lowerdir=").size());
  EXPECT_FALSE(std::filesystem::exists(lower + "/created"));

  std::move(unmount).Invoke();
  ASSERT_TRUE(manager_->RemoveSnapshot("c1").ok());
  EXPECT_FALSE(std::filesystem::exists(manager_->paths().snapshot_dir("c1")));
  EXPECT_TRUE(manager_->Remove("busybox", false).ok());
}

// The store is 0700, yet a container's non-root user reads the image and
// writes its own files: overlay reaches lower and upper dirs with the
// mounter's credentials. The same user on the host gets nowhere in the store.
TEST_F(OverlayTest, PrivateStoreServesNonRootContainerUsers) {
  // Only the store's own modes may stand in the way of the host-side check.
  ASSERT_EQ(::chmod(dir_.path().c_str(), 0755), 0);
  auto mounts = manager_->PrepareSnapshot("c3", image_id_);
  ASSERT_TRUE(mounts.ok()) << mounts.status();
  const snapshots::Mount& m = (*mounts)[0];
  std::string data = absl::StrJoin(m.options, ",");
  ASSERT_EQ(::mount(m.source.c_str(), mountpoint_.c_str(), m.type.c_str(), 0, data.c_str()), 0)
      << "mount -o " << data << ": " << std::strerror(errno);
  absl::Cleanup unmount = [&] { ::umount2(mountpoint_.c_str(), MNT_DETACH); };

  auto [status, out] = RunCommand({"/usr/sbin/chroot", "--userspec=1000:1000", mountpoint_,
                                   "/bin/sh", "-c", "cat /etc/hostname && echo hi > /tmp/mine"});
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("berth-image"), std::string::npos) << out;
  EXPECT_TRUE(std::filesystem::exists(manager_->paths().snapshot_upper("c3") + "/tmp/mine"));

  std::string lower_file =
      m.options[0].substr(std::string("lowerdir=").size()) + "/etc/hostname";
  pid_t pid = ::fork();
  if (pid == 0) {
    if (::setgid(1000) != 0 || ::setuid(1000) != 0) ::_exit(2);
    // 0: denied as it should be; 1: the host user could read the layer.
    ::_exit(::access(lower_file.c_str(), R_OK) == 0 ? 1 : 0);
  }
  int wstatus = 0;
  ASSERT_EQ(::waitpid(pid, &wstatus, 0), pid);
  EXPECT_TRUE(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) << wstatus;

  std::move(unmount).Invoke();
  EXPECT_TRUE(manager_->RemoveSnapshot("c3").ok());
}

TEST_F(OverlayTest, RemoveSnapshotNeverDescendsIntoAMount) {
  ASSERT_TRUE(manager_->PrepareSnapshot("c2", image_id_).ok());
  std::string inside = manager_->paths().snapshot_upper("c2") + "/mnt";
  std::string precious_dir = dir_.path() + "/precious";
  ASSERT_TRUE(std::filesystem::create_directories(inside));
  ASSERT_TRUE(std::filesystem::create_directories(precious_dir));
  ASSERT_TRUE(fs::WriteFileAtomically(precious_dir + "/keep", "keep").ok());
  ASSERT_EQ(::mount(precious_dir.c_str(), inside.c_str(), nullptr, MS_BIND, nullptr), 0);
  absl::Cleanup unmount = [&] { ::umount2(inside.c_str(), MNT_DETACH); };

  absl::Status busy = manager_->RemoveSnapshot("c2");
  EXPECT_EQ(busy.code(), absl::StatusCode::kFailedPrecondition) << busy;
  EXPECT_TRUE(std::filesystem::exists(precious_dir + "/keep"));
  EXPECT_EQ(manager_->ListSnapshots(), std::vector<std::string>{"c2"});

  std::move(unmount).Invoke();
  EXPECT_TRUE(manager_->RemoveSnapshot("c2").ok());
  EXPECT_TRUE(manager_->ListSnapshots().empty());
  EXPECT_TRUE(std::filesystem::exists(precious_dir + "/keep"));
}

}  // namespace
}  // namespace berth::imaged
