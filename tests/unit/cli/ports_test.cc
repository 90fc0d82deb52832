// `-p` parsing and the PORTS column.
#include <string>
#include <vector>

#include "cli/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace berth::cli {
namespace {

using ::testing::ElementsAre;

PortMapping Map(uint32_t container, uint32_t host, std::string ip = "",
                std::string protocol = "tcp") {
  PortMapping m;
  m.container_port = container;
  m.host_port = host;
  m.host_ip = std::move(ip);
  m.protocol = std::move(protocol);
  return m;
}

std::vector<PortMapping> MustParse(const std::string& spec) {
  auto parsed = ParsePortSpec(spec);
  EXPECT_TRUE(parsed.ok()) << spec << ": " << parsed.status();
  return parsed.ok() ? *parsed : std::vector<PortMapping>{};
}

TEST(ParsePortSpecTest, ContainerPortOnlyPublishesOnEphemeralPort) {
  EXPECT_THAT(MustParse("80"), ElementsAre(Map(80, 0)));
}

TEST(ParsePortSpecTest, HostAndContainerPort) {
  EXPECT_THAT(MustParse("8080:80"), ElementsAre(Map(80, 8080)));
}

TEST(ParsePortSpecTest, EmptyHostPortIsEphemeral) {
  EXPECT_THAT(MustParse(":80"), ElementsAre(Map(80, 0)));
  EXPECT_THAT(MustParse("0:80"), ElementsAre(Map(80, 0)));
}

TEST(ParsePortSpecTest, HostAddress) {
  EXPECT_THAT(MustParse("127.0.0.1:8080:80"), ElementsAre(Map(80, 8080, "127.0.0.1")));
  EXPECT_THAT(MustParse("127.0.0.1::80"), ElementsAre(Map(80, 0, "127.0.0.1")));
}

TEST(ParsePortSpecTest, Ipv6HostAddress) {
  EXPECT_THAT(MustParse("[::1]:8080:80"), ElementsAre(Map(80, 8080, "::1")));
  EXPECT_THAT(MustParse("[::]::80/udp"), ElementsAre(Map(80, 0, "::", "udp")));
}

TEST(ParsePortSpecTest, Protocols) {
  EXPECT_THAT(MustParse("53/udp"), ElementsAre(Map(53, 0, "", "udp")));
  EXPECT_THAT(MustParse("5353:53/UDP"), ElementsAre(Map(53, 5353, "", "udp")));
  EXPECT_THAT(MustParse("8080:80/tcp"), ElementsAre(Map(80, 8080)));
}

TEST(ParsePortSpecTest, EqualRangesGiveOneMappingPerPort) {
  EXPECT_THAT(MustParse("8000-8002:9000-9002"),
              ElementsAre(Map(9000, 8000), Map(9001, 8001), Map(9002, 8002)));
  EXPECT_THAT(MustParse("9000-9001"), ElementsAre(Map(9000, 0), Map(9001, 0)));
}

TEST(ParsePortSpecTest, HostRangeForOneContainerPortIsLeftToTheDaemon) {
  PortMapping ranged = Map(80, 8000, "127.0.0.1");
  ranged.host_port_end = 8010;
  EXPECT_THAT(MustParse("127.0.0.1:8000-8010:80"), ElementsAre(ranged));
}

TEST(ParsePortSpecTest, RejectsInvalidSpecs) {
  for (const std::string spec :
       {"", "abc", "0", "65536", "8080:", "8080:0", "-1", "80/sctp", "80/", "1.2.3:80:80",
        "localhost:8080:80", "9002-9000", "8000-7999:80", "80:9000-9001", "8080:80x",
        "+80", "80-", "1-2-3", "[::1:8080:80"}) {
    auto parsed = ParsePortSpec(spec);
    EXPECT_FALSE(parsed.ok()) << "accepted '" << spec << "'";
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << spec;
    }
  }
}

TEST(ParsePortSpecTest, ErrorNamesTheSpec) {
  auto parsed = ParsePortSpec("8080:http");
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(std::string(parsed.status().message()), ::testing::HasSubstr("8080:http"));
}

TEST(FormatPortTest, PublishedAndUnpublished) {
  EXPECT_EQ(FormatPort(Map(80, 8080, "127.0.0.1")), "127.0.0.1:8080->80/tcp");
  EXPECT_EQ(FormatPort(Map(80, 8080)), "0.0.0.0:8080->80/tcp");
  EXPECT_EQ(FormatPort(Map(53, 5353, "::1", "udp")), "[::1]:5353->53/udp");
  EXPECT_EQ(FormatPort(Map(80, 0)), "80/tcp");
}

TEST(FormatPortsTest, SortedAndJoined) {
  EXPECT_EQ(FormatPorts({Map(443, 8443), Map(80, 8080, "127.0.0.1"), Map(53, 0, "", "udp")}),
            "53/udp, 127.0.0.1:8080->80/tcp, 0.0.0.0:8443->443/tcp");
  EXPECT_EQ(FormatPorts({}), "");
}

}  // namespace
}  // namespace berth::cli
