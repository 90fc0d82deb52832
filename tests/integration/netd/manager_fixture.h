// The fixture of netd's root integration tests: a real NetworkManager with a
// private bridge, subnet and nft tables named from the test process's pid, a
// temp state dir, and a teardown that runs even after a failed assertion
// (the manager's own, then a blunt sweep of anything with this test's names).
#pragma once

#include <prometheus/registry.h>
#include <sys/mount.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "netns_helpers.h"
#include "services/netd/firewall/libnftables_applier.h"
#include "services/netd/metrics.h"
#include "services/netd/netlink/linux_netlink.h"
#include "services/netd/netns/linux_netns_ops.h"
#include "services/netd/network_manager.h"
#include "services/netd/ports/port_reserver.h"

namespace berth::netd::testing {

// Names that keep suites running side by side apart.
struct FixtureNames {
  const char* bridge_prefix;  // "btn" → bridge "btn<pid % 10000>"
  int subnet_base;            // second octet from subnet_base to subnet_base + 49
  const char* table_prefix;   // "berth_t" → "berth_t<pid>"
  const char* tmp_prefix;     // "/tmp/netd-it-"
};

class NetdManagerFixture : public ::testing::Test {
 protected:
  explicit NetdManagerFixture(FixtureNames names) : names_(names) {}

  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (netlink, mounts, nftables)";
    int pid = ::getpid();
    config_.bridge = absl::StrCat(names_.bridge_prefix, pid % 10000);
    config_.subnet =
        absl::StrFormat("10.%d.%d.0/24", names_.subnet_base + pid % 50, pid % 250);
    config_.nft_table = absl::StrCat(names_.table_prefix, pid);
    std::string tmpl = absl::StrCat(names_.tmp_prefix, "XXXXXX");
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
    config_.state_dir = root_ + "/state";
    config_.run_dir = root_ + "/run";
    config_.resolv_conf_source = "";
    auto netlink = netlink::LinuxNetlink::Create();
    ASSERT_TRUE(netlink.ok()) << netlink.status();
    netlink_ = std::move(*netlink);
    StartManager();
    ASSERT_TRUE(manager_ != nullptr);
  }

  // Recreates the manager as a netd restart would: kernel state stays.
  void StartManager() {
    manager_.reset();
    auto manager =
        NetworkManager::Create(config_, NetdDeps{*netlink_, netns_ops_, nft_, ports_, metrics_});
    ASSERT_TRUE(manager.ok()) << manager.status();
    manager_ = std::move(*manager);
    absl::Status status = manager_->Recover();
    ASSERT_TRUE(status.ok()) << status;
  }

  void TearDown() override {
    if (root_.empty()) return;
    if (manager_ != nullptr) {
      absl::Status status = manager_->Teardown();
      EXPECT_TRUE(status.ok()) << status;
      manager_.reset();
    }
    std::string netns_dir = config_.run_dir + "/netd/netns";
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(netns_dir, ec)) {
      ::umount2(entry.path().c_str(), MNT_DETACH);
    }
    ::umount2(netns_dir.c_str(), MNT_DETACH);
    RunCommand("ip link del " + config_.bridge);
    RunCommand("nft delete table ip " + config_.nft_table);
    RunCommand("nft delete table bridge " + config_.nft_table);
    std::filesystem::remove_all(root_, ec);
  }

  FixtureNames names_;
  NetdConfig config_;
  std::string root_;
  std::unique_ptr<netlink::LinuxNetlink> netlink_;
  netns::LinuxNetnsOps netns_ops_;
  firewall::LibnftablesApplier nft_;
  ports::SocketPortReserver ports_;
  prometheus::Registry registry_;
  NetdMetrics metrics_{registry_};
  std::unique_ptr<NetworkManager> manager_;
};

}  // namespace berth::netd::testing
