#include "services/netd/firewall/ruleset.h"

#include "gtest/gtest.h"

namespace berth::netd::firewall {
namespace {

RulesetSpec Spec() { return RulesetSpec{"berth_x", "bx0", *ipam::ParseSubnet("10.5.0.0/24"), {}}; }

TEST(RulesetTest, EmptyTableHasMasqueradeAndForwardRules) {
  EXPECT_EQ(RenderRuleset(Spec()),
            "add table ip berth_x\n"
            "delete table ip berth_x\n"
            "table ip berth_x {\n"
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
            "\t\tiifname \"bx0\" oifname \"bx0\" ct status dnat masquerade\n"
            "\t}\n"
            "\tchain forward {\n"
            "\t\ttype filter hook forward priority filter; policy accept;\n"
            "\t\tiifname \"bx0\" accept\n"
            "\t\toifname \"bx0\" accept\n"
            "\t}\n"
            "}\n");
}

TEST(RulesetTest, PortsAreSortedAndRenderedInBothNatChains) {
  RulesetSpec spec = Spec();
  spec.ports = {
      {"udp", "", 5353, "10.5.0.3", 53},
      {"tcp", "127.0.0.1", 9000, "10.5.0.2", 80},
      {"tcp", "0.0.0.0", 8080, "10.5.0.2", 80},
  };
  const std::string dnat =
      "\t\tfib daddr type local tcp dport 8080 dnat to 10.5.0.2:80\n"
      "\t\tip daddr 127.0.0.1 tcp dport 9000 dnat to 10.5.0.2:80\n"
      "\t\tfib daddr type local udp dport 5353 dnat to 10.5.0.3:53\n";
  std::string text = RenderRuleset(spec);
  EXPECT_NE(text.find("priority dstnat; policy accept;\n" + dnat + "\t}\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("priority -100; policy accept;\n" + dnat + "\t}\n"), std::string::npos)
      << text;
  // Input order does not matter.
  std::swap(spec.ports[0], spec.ports[2]);
  EXPECT_EQ(RenderRuleset(spec), text);
}

TEST(RulesetTest, DeleteTableIsIdempotentScript) {
  EXPECT_EQ(RenderDeleteTable("berth_x"), "add table ip berth_x\ndelete table ip berth_x\n");
}

}  // namespace
}  // namespace berth::netd::firewall
