#include "services/runtimed/shim/rootfs_plan.h"

#include <sys/mount.h>

#include <algorithm>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace berth::runtimed::shim {
namespace {

using Kind = RootfsStep::Kind;

spec::ShimConfig Config() {
  spec::ShimConfig c;
  c.rootfs_dir = "/c/rootfs";
  c.mounts = {spec::MountSpec{"overlay", "overlay", "", {"lowerdir=/l", "upperdir=/u", "workdir=/w"}}};
  return c;
}

// "kind target" for the mounts, to compare the order compactly.
std::vector<std::string> MountTargets(const std::vector<RootfsStep>& steps) {
  std::vector<std::string> out;
  for (const auto& s : steps) {
    if (s.kind == Kind::kMount) out.push_back(s.fstype + " " + s.target);
  }
  return out;
}

const RootfsStep* Find(const std::vector<RootfsStep>& steps, Kind kind, const std::string& target) {
  auto it = std::find_if(steps.begin(), steps.end(), [&](const RootfsStep& s) {
    return s.kind == kind && s.target == target;
  });
  return it == steps.end() ? nullptr : &*it;
}

TEST(RootfsPlanTest, OverlayFirstThenProcDevSys) {
  auto steps = PlanRootfs(Config());
  ASSERT_TRUE(steps.ok()) << steps.status();
  EXPECT_THAT(MountTargets(*steps),
              ::testing::ElementsAre("overlay /c/rootfs", "proc /c/rootfs/proc",
                                     "tmpfs /c/rootfs/dev", "devpts /c/rootfs/dev/pts",
                                     "tmpfs /c/rootfs/dev/shm", "mqueue /c/rootfs/dev/mqueue",
                                     "sysfs /c/rootfs/sys"));
  const RootfsStep* overlay = Find(*steps, Kind::kMount, "/c/rootfs");
  EXPECT_EQ(overlay->data, "lowerdir=/l,upperdir=/u,workdir=/w");
  EXPECT_EQ(overlay->flags, 0u);
  const RootfsStep* sys = Find(*steps, Kind::kMount, "/c/rootfs/sys");
  EXPECT_TRUE(sys->flags & MS_RDONLY);
  const RootfsStep* pts = Find(*steps, Kind::kMount, "/c/rootfs/dev/pts");
  EXPECT_THAT(pts->data, ::testing::HasSubstr("newinstance"));
}

TEST(RootfsPlanTest, StandardDeviceNodesAndLinks) {
  auto steps = PlanRootfs(Config());
  ASSERT_TRUE(steps.ok());
  const RootfsStep* null = Find(*steps, Kind::kMknod, "/c/rootfs/dev/null");
  ASSERT_NE(null, nullptr);
  EXPECT_EQ(null->major, 1u);
  EXPECT_EQ(null->minor, 3u);
  EXPECT_EQ(null->mode, 0666);
  for (const char* node : {"zero", "full", "random", "urandom", "tty"}) {
    EXPECT_NE(Find(*steps, Kind::kMknod, std::string("/c/rootfs/dev/") + node), nullptr) << node;
  }
  EXPECT_EQ(Find(*steps, Kind::kSymlink, "/c/rootfs/dev/ptmx")->source, "pts/ptmx");
  EXPECT_EQ(Find(*steps, Kind::kSymlink, "/c/rootfs/dev/fd")->source, "/proc/self/fd");
  // Nodes are created after the /dev tmpfs is mounted, not underneath it.
  auto dev_mount = std::find(steps->begin(), steps->end(), *Find(*steps, Kind::kMount, "/c/rootfs/dev"));
  auto null_node = std::find(steps->begin(), steps->end(), *null);
  EXPECT_LT(dev_mount, null_node);
}

TEST(RootfsPlanTest, PrivilegedGetsTheHostsDevicesOnceAndNothingOutsideDev) {
  std::vector<DeviceNode> host = {DeviceNode{"sda", true, 8, 0, 0660},
                                  DeviceNode{"net/tun", false, 10, 200, 0666},
                                  DeviceNode{"null", false, 1, 3, 0666},  // already made
                                  DeviceNode{"ptmx", false, 5, 2, 0666},  // a link here
                                  DeviceNode{"../etc/x", false, 1, 3, 0666},
                                  DeviceNode{"/abs", false, 1, 3, 0666}};
  auto steps = PlanRootfs(Config(), host);
  ASSERT_TRUE(steps.ok()) << steps.status();
  const RootfsStep* sda = Find(*steps, Kind::kMknod, "/c/rootfs/dev/sda");
  ASSERT_NE(sda, nullptr);
  EXPECT_TRUE(sda->block);
  EXPECT_EQ(sda->major, 8u);
  EXPECT_NE(Find(*steps, Kind::kMkdir, "/c/rootfs/dev/net"), nullptr);
  EXPECT_NE(Find(*steps, Kind::kMknod, "/c/rootfs/dev/net/tun"), nullptr);
  int nulls = 0, mknods = 0;
  for (const auto& s : *steps) {
    nulls += s.kind == Kind::kMknod && s.target == "/c/rootfs/dev/null";
    mknods += s.kind == Kind::kMknod;
  }
  EXPECT_EQ(nulls, 1);
  EXPECT_EQ(mknods, 8);  // the 6 standard nodes, sda, net/tun
}

TEST(RootfsPlanTest, ScanFindsDeviceNodesOnly) {
  // /dev of this machine: at least null, and never a pts entry.
  std::vector<DeviceNode> devices = ScanHostDevices("/dev");
  auto null = std::find_if(devices.begin(), devices.end(),
                           [](const DeviceNode& d) { return d.path == "null"; });
  ASSERT_NE(null, devices.end());
  EXPECT_FALSE(null->block);
  EXPECT_EQ(null->major, 1u);
  for (const auto& d : devices) EXPECT_NE(d.path.rfind("pts/", 0), 0u) << d.path;
}

TEST(RootfsPlanTest, ExtraBindMountsGoBelowTheRootReadOnlyByRemount) {
  spec::ShimConfig c = Config();
  c.mounts.push_back(spec::MountSpec{"bind", "/host/data", "/data", {"rbind", "ro"}});
  auto steps = PlanRootfs(c);
  ASSERT_TRUE(steps.ok()) << steps.status();
  const RootfsStep* bind = Find(*steps, Kind::kMount, "/c/rootfs/data");
  ASSERT_NE(bind, nullptr);
  EXPECT_EQ(bind->fstype, "");
  EXPECT_EQ(bind->flags, static_cast<unsigned long>(MS_BIND | MS_REC));
  EXPECT_NE(Find(*steps, Kind::kMkdir, "/c/rootfs/data"), nullptr);
  EXPECT_NE(Find(*steps, Kind::kRemountReadOnly, "/c/rootfs/data"), nullptr);
}

TEST(RootfsPlanTest, RejectsMissingRootAndEscapingTargets) {
  spec::ShimConfig c = Config();
  c.mounts.clear();
  EXPECT_EQ(PlanRootfs(c).status().code(), absl::StatusCode::kInvalidArgument);
  c = Config();
  c.mounts.push_back(spec::MountSpec{"bind", "/x", "/../../etc", {"bind"}});
  EXPECT_EQ(PlanRootfs(c).status().code(), absl::StatusCode::kInvalidArgument);
  c.mounts.back().target = "relative";
  EXPECT_EQ(PlanRootfs(c).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace berth::runtimed::shim

namespace berth::runtimed::shim {
namespace {

TEST(RootfsPlanTest, ShmSizeSetsTheDevShmTmpfs) {
  spec::ShimConfig c = Config();
  EXPECT_THAT(Find(*PlanRootfs(c), Kind::kMount, "/c/rootfs/dev/shm")->data,
              ::testing::HasSubstr("size=65536k"));  // Docker's 64 MiB default
  c.shm_size = 256 << 20;
  EXPECT_THAT(Find(*PlanRootfs(c), Kind::kMount, "/c/rootfs/dev/shm")->data,
              ::testing::HasSubstr("size=262144k"));
  c.shm_size = 0;
  EXPECT_EQ(PlanRootfs(c).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace berth::runtimed::shim
