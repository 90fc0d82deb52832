#include "services/runtimed/signal_names.h"

#include <csignal>

#include "gtest/gtest.h"

namespace berth::runtimed {
namespace {

TEST(SignalNamesTest, ParsesDockerForms) {
  EXPECT_EQ(*ParseSignal("KILL"), SIGKILL);
  EXPECT_EQ(*ParseSignal("SIGKILL"), SIGKILL);
  EXPECT_EQ(*ParseSignal("9"), 9);
  EXPECT_EQ(*ParseSignal("INT"), SIGINT);
  EXPECT_EQ(*ParseSignal("sigterm"), SIGTERM);
  EXPECT_EQ(*ParseSignal("SIGWINCH"), SIGWINCH);
}

TEST(SignalNamesTest, RejectsUnknown) {
  for (const char* bad : {"", "BOGUS", "0", "-1", "999", "SIG"}) {
    EXPECT_EQ(ParseSignal(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(ParseSignal("NOPE").status().message(), "Invalid signal: NOPE");
}

}  // namespace
}  // namespace berth::runtimed
