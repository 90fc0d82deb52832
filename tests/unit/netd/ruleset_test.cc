#include "services/netd/firewall/ruleset.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace berth::netd::firewall {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

RulesetSpec Spec() {
  return RulesetSpec{"berth_x", {{"bx0", *ipam::ParseSubnet("10.5.0.0/24"), false}}, {}, {}};
}

// The text between "chain <name> {" and its closing brace.
std::string Chain(const std::string& text, const std::string& name) {
  size_t start = text.find("\tchain " + name + " {\n");
  if (start == std::string::npos) return "<no chain " + name + ">";
  return text.substr(start, text.find("\t}\n", start) + 3 - start);
}

TEST(RulesetTest, EmptyTablesGuardLoopbackAndForwarding) {
  EXPECT_EQ(RenderRuleset(Spec()),
            "add table ip berth_x\n"
            "delete table ip berth_x\n"
            "add table bridge berth_x\n"
            "delete table bridge berth_x\n"
            "table ip berth_x {\n"
            "\tchain guard {\n"
            "\t\ttype filter hook prerouting priority raw; policy accept;\n"
            "\t\tiifname \"bx0\" ip daddr 127.0.0.0/8 drop\n"
            "\t\tiifname \"bx0\" ip saddr 127.0.0.0/8 drop\n"
            "\t}\n"
            "\tchain prerouting {\n"
            "\t\ttype nat hook prerouting priority dstnat; policy accept;\n"
            "\t}\n"
            "\tchain output {\n"
            "\t\ttype nat hook output priority -100; policy accept;\n"
            "\t}\n"
            "\tchain postrouting {\n"
            "\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
            "\t\tip saddr 10.5.0.0/24 oifname != \"bx0\" masquerade\n"
            "\t\tip saddr 127.0.0.0/8 oifname \"bx0\" masquerade\n"
            "\t\tip saddr 10.5.0.0/24 oifname \"bx0\" ct status dnat masquerade\n"
            "\t}\n"
            "\tchain forward {\n"
            "\t\ttype filter hook forward priority filter; policy accept;\n"
            "\t\tiifname \"bx0\" oifname \"bx0\" accept\n"
            "\t\toifname \"bx0\" ct state established,related accept\n"
            "\t\toifname \"bx0\" ct status dnat accept\n"
            "\t\toifname \"bx0\" drop\n"
            "\t}\n"
            "}\n"
            "table bridge berth_x {\n"
            "\tchain ports {\n"
            "\t\ttype filter hook prerouting priority filter; policy accept;\n"
            "\t}\n"
            "}\n");
}

TEST(RulesetTest, PortsAreSortedAndLoopbackOnesStayOutOfPrerouting) {
  RulesetSpec spec = Spec();
  spec.ports = {
      {"udp", "", 5353, "10.5.0.3", 53},
      {"tcp", "127.0.0.1", 9000, "10.5.0.2", 80},
      {"tcp", "0.0.0.0", 8080, "10.5.0.2", 80},
      {"tcp", "127.0.0.2", 9001, "10.5.0.2", 81},
      {"tcp", "192.0.2.7", 9002, "10.5.0.2", 82},
  };
  std::string text = RenderRuleset(spec);
  EXPECT_EQ(Chain(text, "prerouting"),
            "\tchain prerouting {\n"
            "\t\ttype nat hook prerouting priority dstnat; policy accept;\n"
            "\t\tfib daddr type local tcp dport 8080 dnat to 10.5.0.2:80\n"
            "\t\tip daddr 192.0.2.7 tcp dport 9002 dnat to 10.5.0.2:82\n"
            "\t\tfib daddr type local udp dport 5353 dnat to 10.5.0.3:53\n"
            "\t}\n");
  EXPECT_EQ(Chain(text, "output"),
            "\tchain output {\n"
            "\t\ttype nat hook output priority -100; policy accept;\n"
            "\t\tfib daddr type local tcp dport 8080 dnat to 10.5.0.2:80\n"
            "\t\tip daddr 127.0.0.1 tcp dport 9000 dnat to 10.5.0.2:80\n"
            "\t\tip daddr 127.0.0.2 tcp dport 9001 dnat to 10.5.0.2:81\n"
            "\t\tip daddr 192.0.2.7 tcp dport 9002 dnat to 10.5.0.2:82\n"
            "\t\tfib daddr type local udp dport 5353 dnat to 10.5.0.3:53\n"
            "\t}\n");
  // Input order does not matter.
  std::swap(spec.ports[0], spec.ports[2]);
  EXPECT_EQ(RenderRuleset(spec), text);
}

TEST(RulesetTest, EachPortMayOnlySendFromItsOwnAddresses) {
  RulesetSpec spec = Spec();
  spec.guards = {
      {"vbbbbb", "02:42:0a:05:00:03", "10.5.0.3"},
      {"vbaaaa", "02:42:0a:05:00:02", "10.5.0.2"},
  };
  std::string text = RenderRuleset(spec);
  EXPECT_EQ(Chain(text, "ports"),
            "\tchain ports {\n"
            "\t\ttype filter hook prerouting priority filter; policy accept;\n"
            "\t\tiifname { \"vbaaaa\", \"vbbbbb\" } icmpv6 type nd-router-advert drop\n"
            "\t\tiifname \"vbaaaa\" ether saddr 02:42:0a:05:00:02 ip saddr 10.5.0.2 accept\n"
            "\t\tiifname \"vbaaaa\" ether saddr 02:42:0a:05:00:02 "
            "arp saddr ether 02:42:0a:05:00:02 arp saddr ip 10.5.0.2 accept\n"
            "\t\tiifname \"vbaaaa\" ether saddr 02:42:0a:05:00:02 ether type ip6 accept\n"
            "\t\tiifname \"vbbbbb\" ether saddr 02:42:0a:05:00:03 ip saddr 10.5.0.3 accept\n"
            "\t\tiifname \"vbbbbb\" ether saddr 02:42:0a:05:00:03 "
            "arp saddr ether 02:42:0a:05:00:03 arp saddr ip 10.5.0.3 accept\n"
            "\t\tiifname \"vbbbbb\" ether saddr 02:42:0a:05:00:03 ether type ip6 accept\n"
            "\t\tiifname { \"vbaaaa\", \"vbbbbb\" } drop\n"
            "\t}\n");
  // The guards live in the bridge table only; the ip table is unchanged.
  EXPECT_EQ(text.substr(0, text.find("table bridge berth_x {")),
            RenderRuleset(Spec()).substr(0, RenderRuleset(Spec()).find("table bridge berth_x {")));
  std::swap(spec.guards[0], spec.guards[1]);
  EXPECT_EQ(RenderRuleset(spec), text);
}

TEST(RulesetTest, EveryNetworkIsGuardedAndIsolatedAndInternalOnesStayInside) {
  RulesetSpec spec = Spec();
  spec.networks.push_back({"bu1", *ipam::ParseSubnet("10.6.0.0/24"), false});
  spec.networks.push_back({"bu2", *ipam::ParseSubnet("10.7.0.0/24"), true});
  std::string text = RenderRuleset(spec);
  EXPECT_EQ(Chain(text, "forward"),
            "\tchain forward {\n"
            "\t\ttype filter hook forward priority filter; policy accept;\n"
            "\t\tiifname \"bu2\" oifname != \"bu2\" drop\n"
            "\t\tiifname \"bx0\" oifname \"bx0\" accept\n"
            "\t\toifname \"bx0\" ct state established,related accept\n"
            "\t\toifname \"bx0\" ct status dnat accept\n"
            "\t\toifname \"bx0\" drop\n"
            "\t\tiifname \"bu1\" oifname \"bu1\" accept\n"
            "\t\toifname \"bu1\" ct state established,related accept\n"
            "\t\toifname \"bu1\" ct status dnat accept\n"
            "\t\toifname \"bu1\" drop\n"
            "\t\tiifname \"bu2\" oifname \"bu2\" accept\n"
            "\t\toifname \"bu2\" ct state established,related accept\n"
            "\t\toifname \"bu2\" ct status dnat accept\n"
            "\t\toifname \"bu2\" drop\n"
            "\t}\n");
  EXPECT_EQ(Chain(text, "postrouting"),
            "\tchain postrouting {\n"
            "\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
            "\t\tip saddr 10.5.0.0/24 oifname != \"bx0\" masquerade\n"
            "\t\tip saddr 127.0.0.0/8 oifname \"bx0\" masquerade\n"
            "\t\tip saddr 10.5.0.0/24 oifname \"bx0\" ct status dnat masquerade\n"
            "\t\tip saddr 10.6.0.0/24 oifname != \"bu1\" masquerade\n"
            "\t\tip saddr 127.0.0.0/8 oifname \"bu1\" masquerade\n"
            "\t\tip saddr 10.6.0.0/24 oifname \"bu1\" ct status dnat masquerade\n"
            "\t\tip saddr 127.0.0.0/8 oifname \"bu2\" masquerade\n"
            "\t\tip saddr 10.7.0.0/24 oifname \"bu2\" ct status dnat masquerade\n"
            "\t}\n");
  EXPECT_THAT(Chain(text, "guard"), HasSubstr("iifname \"bu2\" ip daddr 127.0.0.0/8 drop\n"));
}

TEST(RulesetTest, LoopbackHostIps) {
  EXPECT_TRUE(IsLoopbackHostIp("127.0.0.1"));
  EXPECT_TRUE(IsLoopbackHostIp("127.255.0.9"));
  EXPECT_FALSE(IsLoopbackHostIp(""));
  EXPECT_FALSE(IsLoopbackHostIp("0.0.0.0"));
  EXPECT_FALSE(IsLoopbackHostIp("128.0.0.1"));
  EXPECT_FALSE(IsLoopbackHostIp("10.127.0.1"));
}

TEST(RulesetTest, DeleteTablesIsIdempotentScript) {
  std::string script = RenderDeleteTable("berth_x");
  EXPECT_EQ(script,
            "add table ip berth_x\ndelete table ip berth_x\n"
            "add table bridge berth_x\ndelete table bridge berth_x\n");
  EXPECT_THAT(script, Not(HasSubstr("{")));
}

}  // namespace
}  // namespace berth::netd::firewall
