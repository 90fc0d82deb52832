#pragma once

// The NetworkManager unit-test fixture: a manager on recording fakes of
// netlink, namespaces, nftables and port reservations, in a temp dir.
#include <prometheus/registry.h>

#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"
#include "services/netd/firewall/testing/fake_nft_applier.h"
#include "services/netd/netlink/testing/fake_netlink.h"
#include "services/netd/netns/testing/fake_netns_ops.h"
#include "services/netd/network_manager.h"
#include "services/netd/ports/testing/fake_port_reserver.h"
#include "test_util.h"

namespace berth::netd {

inline constexpr char kId[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

class NetworkManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.state_dir = dir_.path() + "/state";
    config_.run_dir = dir_.path() + "/run";
    config_.bridge = "bt0";
    config_.subnet = "10.9.0.0/24";
    config_.nft_table = "berth_t";
    config_.proc_sys_dir = dir_.path() + "/proc";
    config_.resolv_conf_source = dir_.path() + "/resolv.conf";
    std::ofstream(config_.resolv_conf_source) << "nameserver 10.0.0.2\n";
    std::filesystem::create_directories(config_.proc_sys_dir + "/net/ipv4/conf/bt0");
    std::ofstream(config_.proc_sys_dir + "/net/ipv4/ip_forward") << "0\n";
    std::ofstream(config_.proc_sys_dir + "/net/ipv4/conf/bt0/route_localnet") << "0\n";
    StartManager();
  }

  void StartManager() {
    manager_.reset();
    auto manager =
        NetworkManager::Create(config_, NetdDeps{netlink_, netns_, nft_, ports_, metrics_});
    ASSERT_TRUE(manager.ok()) << manager.status();
    manager_ = std::move(*manager);
    NETD_ASSERT_OK(manager_->Recover());
  }

  // The sysctl files the kernel makes for a new link, in the temp /proc.
  void PrepareSysctls(const std::string& link) {
    std::filesystem::create_directories(config_.proc_sys_dir + "/net/ipv4/conf/" + link);
    std::ofstream(config_.proc_sys_dir + "/net/ipv4/conf/" + link + "/route_localnet") << "0\n";
  }

  std::string ReadFile(const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  AttachParams Bridge(const std::string& id) {
    AttachParams params;
    params.container_id = id;
    params.container_name = "web";
    params.network_mode = "bridge";
    params.hostname = id.substr(0, 12);
    return params;
  }

  std::string NetnsPath(const std::string& id) { return config_.run_dir + "/netd/netns/" + id; }
  std::string Table() { return nft_.tables.count("berth_t") ? nft_.tables["berth_t"] : ""; }

  testing::TempDir dir_;
  NetdConfig config_;
  netlink::testing::FakeKernel kernel_;
  netlink::testing::FakeNetlink netlink_{kernel_};
  netns::testing::FakeNetnsOps netns_{kernel_};
  firewall::testing::FakeNftApplier nft_;
  ports::testing::FakePortReserver ports_;
  prometheus::Registry registry_;
  NetdMetrics metrics_{registry_};
  std::unique_ptr<NetworkManager> manager_;
};

}  // namespace berth::netd
