// docker top's pure parts: dockerd's ps argument check, the -q pid list and
// the parsing of ps output filtered to the container's pids.
#include "services/runtimed/top/ps_top.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace berth::runtimed::top {
namespace {

using ::testing::ElementsAre;

TEST(PsTopTest, ArgsAreSplitOnSpacesWithDockersDefault) {
  EXPECT_THAT(PsArgv("", "-q1,2"), ElementsAre("ps", "-ef", "-q1,2"));
  EXPECT_THAT(PsArgv("-o pid,comm", ""), ElementsAre("ps", "-o", "pid,comm"));
  EXPECT_EQ(PsPidsArg({1, 22, 333}), "-q1,22,333");
}

TEST(PsTopTest, RenamingAColumnToPidIsRefused) {
  EXPECT_TRUE(ValidatePsArgs("-o pid=PID,comm").ok());
  EXPECT_TRUE(ValidatePsArgs("aux").ok());
  absl::Status renamed = ValidatePsArgs("-o user=PID,pid");
  EXPECT_EQ(renamed.code(), absl::StatusCode::kInvalidArgument);
  // dockerd's pattern takes the rest of the word (PID[^\s]*) into the message.
  EXPECT_EQ(renamed.message(), "specifying \"user=PID,pid\" is not allowed");
}

TEST(PsTopTest, RowsOfOtherProcessesAreDroppedAndCmdKeepsItsSpaces) {
  const std::string out =
      "UID   PID  PPID  C STIME TTY  TIME     CMD\n"
      "root    1     0  0 10:00 ?    00:00:01 /sbin/init splash\n"
      "root  500     1  0 10:01 ?    00:00:00 sh -c while true; do sleep 1; done\n"
      "root  501   500  0 10:01 ?    00:00:00 sleep 1\n";
  auto top = ParsePsOutput(out, {500, 501});
  ASSERT_TRUE(top.ok()) << top.status();
  EXPECT_EQ(top->titles.size(), 8u);
  ASSERT_EQ(top->processes.size(), 2u);
  EXPECT_EQ(top->processes[0][1], "500");
  EXPECT_EQ(top->processes[0][7], "sh -c while true; do sleep 1; done");
  EXPECT_EQ(top->processes[1][7], "sleep 1");
}

TEST(PsTopTest, ThreadLinesFollowTheirProcess) {
  const std::string out =
      "PID TID CMD\n"
      "10  -   app\n"
      "-   10  -\n"
      "-   11  -\n"
      "20  -   other\n"
      "-   20  -\n";
  auto top = ParsePsOutput(out, {10});
  ASSERT_TRUE(top.ok());
  EXPECT_EQ(top->processes.size(), 3u);
}

TEST(PsTopTest, OutputWithoutAPidColumnOrWithABadPidIsAnError) {
  EXPECT_EQ(ParsePsOutput("USER COMMAND\nroot sh\n", {1}).status().message(),
            "Couldn't find PID field in ps output");
  EXPECT_EQ(ParsePsOutput("PID CMD\nabc sh\n", {1}).status().message(), "Unexpected pid 'abc'");
}

TEST(PsTopTest, RunCommandCollectsBothStreamsAndTheExitCode) {
  auto run = RunCommand({"sh", "-c", "echo out; echo err >&2; exit 3"}, absl::Seconds(10));
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->out, "out\n");
  EXPECT_EQ(run->err, "err\n");
  EXPECT_EQ(run->exit_code, 3);
  auto slow = RunCommand({"sleep", "5"}, absl::Milliseconds(200));
  EXPECT_EQ(slow.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_FALSE(RunCommand({"/nonexistent/x"}, absl::Seconds(1)).ok());
}

}  // namespace
}  // namespace berth::runtimed::top
