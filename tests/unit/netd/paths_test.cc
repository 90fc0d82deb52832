#include "services/netd/paths.h"

#include "gtest/gtest.h"

namespace berth::netd {
namespace {

TEST(PathsTest, LayoutUnderStateAndRunDirs) {
  Paths paths("/var/lib/berth/netd", "/run/berth");
  EXPECT_EQ(paths.netns_path("abc"), "/run/berth/netd/netns/abc");
  EXPECT_EQ(paths.netns_dir(), "/run/berth/netd/netns");
  EXPECT_EQ(paths.leases_file(), "/var/lib/berth/netd/ipam/bridge.json");
  EXPECT_EQ(paths.endpoints_dir(), "/var/lib/berth/netd/endpoints");
  EXPECT_EQ(paths.networks_file(), "/var/lib/berth/netd/networks.json");
}

TEST(PathsTest, ContainerIdsThatCannotEscapeAPath) {
  EXPECT_TRUE(ValidateContainerId(std::string(64, 'a')).ok());
  EXPECT_TRUE(ValidateContainerId("test_container-1.x").ok());
  for (const std::string& bad :
       std::vector<std::string>{"", "..", ".hidden", "-x", "a/b", "a b", std::string(129, 'a')}) {
    EXPECT_TRUE(absl::IsInvalidArgument(ValidateContainerId(bad))) << bad;
  }
}

TEST(PathsTest, VethNamesFitIfnamsizAndDoNotCollideOnCommonPrefixes) {
  EXPECT_EQ(HostVethName("0123456789abcdef0123"), "vb0123456789");
  std::string a = HostVethName("test-container-1");
  std::string b = HostVethName("test-container-2");
  EXPECT_NE(a, b);
  EXPECT_EQ(a.size(), 12u);
  EXPECT_EQ(a, HostVethName("test-container-1"));  // stable
  EXPECT_LE(HostVethName(std::string(128, 'z')).size(), 15u);
}

}  // namespace
}  // namespace berth::netd
