#include "services/netd/dns_files.h"
#include "services/netd/firewall/docker_user.h"

#include "gmock/gmock.h"
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

TEST(ResolvConfTest, ContainerSettingsReplaceServersSearchAndOptions) {
  const std::string host = "nameserver 10.0.0.2\nsearch host.test\noptions rotate\n";
  EXPECT_EQ(RenderResolvConf(host, {}, {{"192.0.2.1"}, {}, {}}),
            "search host.test\noptions rotate\nnameserver 192.0.2.1\n");
  EXPECT_EQ(RenderResolvConf(host, {}, {{}, {"a.test", "b.test"}, {"ndots:3", "timeout:1"}}),
            "nameserver 10.0.0.2\nsearch a.test b.test\noptions ndots:3 timeout:1\n");
  EXPECT_EQ(RenderEmbeddedResolvConf(host, {{"192.0.2.1"}, {"c.test"}, {"timeout:2"}}),
            "nameserver 127.0.0.11\nsearch c.test\noptions timeout:2 ndots:0\n");
  EXPECT_EQ(RenderEmbeddedResolvConf(host, {{}, {}, {"ndots:5"}}),
            "nameserver 127.0.0.11\nsearch host.test\noptions ndots:5\n");
}

TEST(HostsTest, ExtraEntriesComeBeforeTheContainersOwnLine) {
  const std::string hosts = RenderHosts("10.0.0.5", "box", {{"10.1.1.1", "db"}, {"10.0.0.6", "a b c"}});
  EXPECT_THAT(hosts, ::testing::EndsWith("ff02::2\tip6-allrouters\n10.1.1.1\tdb\n"
                                         "10.0.0.6\ta b c\n10.0.0.5\tbox\n"));
}

TEST(DockerUserTest, FindsOnlyThisStacksTaggedRulesAndRendersTheAccepts) {
  const std::string listing =
      "table ip filter {\n\tchain DOCKER-USER {\n"
      "\t\tiifname \"b1\" accept comment \"berth:t\" # handle 4\n"
      "\t\tiifname \"b1\" accept comment \"berth:t2\" # handle 5\n"
      "\t\tcounter packets 0 bytes 0 return # handle 2\n\t}\n}\n";
  EXPECT_THAT(firewall::TaggedRuleHandles(listing, firewall::DockerUserTag("t")),
              ::testing::ElementsAre(4));
  EXPECT_EQ(firewall::RenderDockerUserScript({4}, {"b1", "b2"}, "berth:t"),
            "delete rule ip filter DOCKER-USER handle 4\n"
            "insert rule ip filter DOCKER-USER iifname \"b1\" accept comment \"berth:t\"\n"
            "insert rule ip filter DOCKER-USER oifname \"b1\" accept comment \"berth:t\"\n"
            "insert rule ip filter DOCKER-USER iifname \"b2\" accept comment \"berth:t\"\n"
            "insert rule ip filter DOCKER-USER oifname \"b2\" accept comment \"berth:t\"\n");
}

}  // namespace
}  // namespace berth::netd
