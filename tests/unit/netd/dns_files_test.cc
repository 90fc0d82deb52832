#include "services/netd/dns_files.h"

#include "gtest/gtest.h"

namespace berth::netd {
namespace {

constexpr char kBase[] =
    "127.0.0.1\tlocalhost\n"
    "::1\tlocalhost ip6-localhost ip6-loopback\n"
    "fe00::0\tip6-localnet\n"
    "ff00::0\tip6-mcastprefix\n"
    "ff02::1\tip6-allnodes\n"
    "ff02::2\tip6-allrouters\n";

TEST(HostsTest, DockerLayoutWithTheContainerLine) {
  EXPECT_EQ(RenderHosts("172.29.0.2", "abcdef012345"),
            std::string(kBase) + "172.29.0.2\tabcdef012345\n");
  EXPECT_EQ(RenderHosts("", "abcdef012345"), kBase);  // network mode none
}

TEST(ResolvConfTest, DropsUnreachableNameserversKeepsSearchAndOptions) {
  std::string host =
      "# generated\n"
      "nameserver 127.0.0.53\n"
      "nameserver 10.0.0.2\n"
      "nameserver fd00::1\n"
      "search example.com\n"
      "options ndots:2\n";
  EXPECT_EQ(RenderResolvConf(host, {}),
            "# generated\n"
            "nameserver 10.0.0.2\n"
            "search example.com\n"
            "options ndots:2\n");
}

TEST(ResolvConfTest, ConfiguredServersReplaceTheHosts) {
  EXPECT_EQ(RenderResolvConf("nameserver 10.0.0.2\nsearch x\n", {"192.0.2.53", "192.0.2.54"}),
            "search x\nnameserver 192.0.2.53\nnameserver 192.0.2.54\n");
}

TEST(ResolvConfTest, NoUsableNameserverGivesAComment) {
  const std::string comment =
      "# berth: no usable nameserver (the host has none, or only loopback/IPv6 ones); set netd "
      "--dns_servers\n";
  EXPECT_EQ(RenderResolvConf("nameserver 127.0.0.53\n", {}), comment);
  EXPECT_EQ(RenderResolvConf("", {}), comment);
}

}  // namespace
}  // namespace berth::netd
