#include "cli/format.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace berth::cli {
namespace {

TEST(GrpcTargetTest, DockerHostForms) {
  EXPECT_EQ(GrpcTarget("unix:///run/berth/api.sock"), "unix:///run/berth/api.sock");
  EXPECT_EQ(GrpcTarget("/tmp/x.sock"), "unix:///tmp/x.sock");
  EXPECT_EQ(GrpcTarget("tcp://127.0.0.1:2375"), "127.0.0.1:2375");
  EXPECT_EQ(GrpcTarget("localhost:2375"), "localhost:2375");
}

// ---------------------------------------------------------------------------
// FormatTable

TEST(FormatTableTest, PadsColumnsLikeDockerTabwriter) {
  const std::string table = FormatTable({
      {"CONTAINER ID", "IMAGE", "NAMES"},
      {"0123456789ab", "busybox", "happy_turing"},
  });
  // Column 1: widest cell 12 + 3 = 15; column 2: max(7 + 3, 10) = 10; the last
  // column is not padded.
  EXPECT_EQ(table,
            "CONTAINER ID   IMAGE     NAMES\n"
            "0123456789ab   busybox   happy_turing\n");
}

TEST(FormatTableTest, MinimumWidthIsTen) {
  EXPECT_EQ(FormatTable({{"A", "B"}, {"x", "y"}}), "A         B\nx         y\n");
}

TEST(FormatTableTest, WideCellWidensWholeColumn) {
  const std::string table = FormatTable({{"REPOSITORY", "TAG"}, {"a-very-long-repository", "1"}});
  EXPECT_EQ(table,
            "REPOSITORY               TAG\n"
            "a-very-long-repository   1\n");
}

TEST(FormatTableTest, MultibyteCharactersCountAsOneColumn) {
  // "…" is three bytes but one column: the next column still lines up.
  const std::string table = FormatTable({{"COMMAND", "X"}, {"\"abcdefghijklmnopqrs…\"", "y"}});
  EXPECT_EQ(table,
            "COMMAND                  X\n"
            "\"abcdefghijklmnopqrs…\"   y\n");
}

TEST(FormatTableTest, EmptyLastCellLeavesNoTrailingBlanks) {
  EXPECT_EQ(FormatTable({{"A", "B"}, {"x", ""}}), "A         B\nx\n");
}

TEST(FormatTableTest, ShortRowsArePaddedWithEmptyCells) {
  EXPECT_EQ(FormatTable({{"A", "B", "C"}, {"x"}}), "A         B         C\nx\n");
}

TEST(FormatTableTest, NoRowsIsEmpty) { EXPECT_EQ(FormatTable({}), ""); }

// ---------------------------------------------------------------------------
// HumanDuration and friends

TEST(HumanDurationTest, DockerThresholds) {
  EXPECT_EQ(HumanDuration(absl::Milliseconds(500)), "Less than a second");
  EXPECT_EQ(HumanDuration(absl::Seconds(-5)), "Less than a second");
  EXPECT_EQ(HumanDuration(absl::Seconds(1)), "1 second");
  EXPECT_EQ(HumanDuration(absl::Seconds(2)), "2 seconds");
  EXPECT_EQ(HumanDuration(absl::Seconds(59)), "59 seconds");
  EXPECT_EQ(HumanDuration(absl::Seconds(60)), "About a minute");
  EXPECT_EQ(HumanDuration(absl::Seconds(119)), "About a minute");
  EXPECT_EQ(HumanDuration(absl::Minutes(2)), "2 minutes");
  EXPECT_EQ(HumanDuration(absl::Minutes(59)), "59 minutes");
  EXPECT_EQ(HumanDuration(absl::Minutes(60)), "About an hour");
  EXPECT_EQ(HumanDuration(absl::Minutes(89)), "About an hour");
  // Hours are rounded: 1h30m is "2 hours".
  EXPECT_EQ(HumanDuration(absl::Minutes(90)), "2 hours");
  EXPECT_EQ(HumanDuration(absl::Hours(47)), "47 hours");
  EXPECT_EQ(HumanDuration(absl::Hours(48)), "2 days");
  EXPECT_EQ(HumanDuration(absl::Hours(24 * 13)), "13 days");
  EXPECT_EQ(HumanDuration(absl::Hours(24 * 14)), "2 weeks");
  EXPECT_EQ(HumanDuration(absl::Hours(24 * 59)), "8 weeks");
  EXPECT_EQ(HumanDuration(absl::Hours(24 * 60)), "2 months");
  EXPECT_EQ(HumanDuration(absl::Hours(24 * 729)), "24 months");
  EXPECT_EQ(HumanDuration(absl::Hours(24 * 365 * 3)), "3 years");
}

TEST(TimeAgoTest, AddsAgoAndHandlesUnsetTimes) {
  const absl::Time now = absl::FromUnixSeconds(1'700'000'000);
  EXPECT_EQ(TimeAgo(now - absl::Seconds(5), now), "5 seconds ago");
  EXPECT_EQ(TimeAgo(absl::UnixEpoch(), now), "N/A");
}

TEST(FormatLogTimestampTest, Rfc3339WithNanoseconds) {
  const absl::Time t = absl::FromUnixSeconds(1'704'164'645) + absl::Nanoseconds(6);
  EXPECT_EQ(FormatLogTimestamp(t), "2024-01-02T03:04:05.000000006Z");
}

TEST(HumanSizeTest, ThreeSignificantDigitsDecimalUnits) {
  EXPECT_EQ(HumanSize(0), "0B");
  EXPECT_EQ(HumanSize(999), "999B");
  EXPECT_EQ(HumanSize(1000), "1kB");
  EXPECT_EQ(HumanSize(1234), "1.23kB");
  EXPECT_EQ(HumanSize(4'200'000), "4.2MB");
  EXPECT_EQ(HumanSize(4'261'376), "4.26MB");
  EXPECT_EQ(HumanSize(1'236'000), "1.24MB");
  EXPECT_EQ(HumanSize(77'800'000), "77.8MB");
  EXPECT_EQ(HumanSize(1'500'000'000), "1.5GB");
}

TEST(BinarySizeTest, FourSignificantDigitsBinaryUnits) {
  EXPECT_EQ(BinarySize(512), "512B");
  EXPECT_EQ(BinarySize(2048), "2KiB");
  EXPECT_EQ(BinarySize(25'165'824'000), "23.44GiB");
}

// ---------------------------------------------------------------------------
// Containers

TEST(FormatContainerStatusTest, AllPhases) {
  const absl::Time now = absl::FromUnixSeconds(1'700'000'000);
  StatusView s;
  s.started_at = now - absl::Seconds(2);
  s.phase = ContainerPhase::kRunning;
  EXPECT_EQ(FormatContainerStatus(s, now), "Up 2 seconds");
  s.phase = ContainerPhase::kPaused;
  EXPECT_EQ(FormatContainerStatus(s, now), "Up 2 seconds (Paused)");

  s.phase = ContainerPhase::kExited;
  s.exit_code = 3;
  s.finished_at = now - absl::Seconds(5);
  EXPECT_EQ(FormatContainerStatus(s, now), "Exited (3) 5 seconds ago");
  s.phase = ContainerPhase::kRestarting;
  s.exit_code = 1;
  EXPECT_EQ(FormatContainerStatus(s, now), "Restarting (1) 5 seconds ago");

  s.phase = ContainerPhase::kCreated;
  EXPECT_EQ(FormatContainerStatus(s, now), "Created");
  s.phase = ContainerPhase::kRemoving;
  EXPECT_EQ(FormatContainerStatus(s, now), "Removal In Progress");
  s.phase = ContainerPhase::kDead;
  EXPECT_EQ(FormatContainerStatus(s, now), "Dead");
}

TEST(FormatContainerStatusTest, ExitedButNeverStartedShowsCreated) {
  StatusView s;
  s.phase = ContainerPhase::kExited;
  s.exit_code = 127;
  EXPECT_EQ(FormatContainerStatus(s, absl::Now()), "Created");
}

TEST(FormatCommandTest, QuotesAndTruncatesAtTwentyColumns) {
  EXPECT_EQ(FormatCommand({"sh", "-c", "exit 3"}), "\"sh -c 'exit 3'\"");
  EXPECT_EQ(FormatCommand({"/bin/sh", "-c", "while true; do sleep 1; done"}),
            "\"/bin/sh -c 'while t…\"");
  EXPECT_EQ(FormatCommand({"/bin/sh", "-c", "while true; do sleep 1; done"}, /*no_trunc=*/true),
            "\"/bin/sh -c 'while true; do sleep 1; done'\"");
  // Exactly 20 columns stays whole.
  EXPECT_EQ(FormatCommand({"12345678901234567890"}), "\"12345678901234567890\"");
  EXPECT_EQ(FormatCommand({}), "\"\"");
}

TEST(FormatCommandTest, EscapesQuotesAndControlCharacters) {
  EXPECT_EQ(FormatCommand({"echo", "\"hi\"\n"}), "\"echo \\\"hi\\\"\\n\"");
}

TEST(ShortIdTest, StripsDigestPrefixAndCuts) {
  EXPECT_EQ(ShortId("sha256:0123456789abcdef0123"), "0123456789ab");
  EXPECT_EQ(ShortId("0123456789abcdef"), "0123456789ab");
  EXPECT_EQ(ShortId("abc"), "abc");
}

TEST(SplitRepoTagTest, TagAfterLastSlashOnly) {
  EXPECT_EQ(SplitRepoTag("busybox:latest"), std::make_pair(std::string("busybox"),
                                                           std::string("latest")));
  EXPECT_EQ(SplitRepoTag("localhost:5000/app"),
            std::make_pair(std::string("localhost:5000/app"), std::string("<none>")));
  EXPECT_EQ(SplitRepoTag("localhost:5000/app:v1"),
            std::make_pair(std::string("localhost:5000/app"), std::string("v1")));
  EXPECT_EQ(SplitRepoTag("app@sha256:abcd"),
            std::make_pair(std::string("app"), std::string("<none>")));
}

TEST(ReindentJsonTest, OneSpacePerLevelBecomesWidth) {
  const std::string json = "{\n \"a\": {\n  \"b\": \"x  y\"\n },\n \"c\": []\n}";
  EXPECT_EQ(ReindentJson(json, 4, 4),
            "    {\n"
            "        \"a\": {\n"
            "            \"b\": \"x  y\"\n"
            "        },\n"
            "        \"c\": []\n"
            "    }");
  EXPECT_EQ(ReindentJson("{}", 0, 2), "{}");
}

// ---------------------------------------------------------------------------
// Exit codes

TEST(ExitCodeForStartErrorTest, DockerRules) {
  EXPECT_EQ(ExitCodeForStartError(
                "exec: \"nosuch\": executable file not found in $PATH"),
            127);
  EXPECT_EQ(ExitCodeForStartError("exec /bin/nope: no such file or directory"), 127);
  // strerror() capitalizes; the rule still applies.
  EXPECT_EQ(ExitCodeForStartError("exec '/x': No such file or directory"), 127);
  EXPECT_EQ(ExitCodeForStartError("exec /etc/passwd: permission denied"), 126);
  EXPECT_EQ(ExitCodeForStartError("exec '/etc/passwd': Permission denied"), 126);
  EXPECT_EQ(ExitCodeForStartError("exec /bin: is a directory"), 126);
  EXPECT_EQ(ExitCodeForStartError("port is already allocated"), 125);
  EXPECT_EQ(ExitCodeForStartError(""), 125);
}

// ---------------------------------------------------------------------------
// Environment

std::optional<std::string> FakeEnv(const std::string& name) {
  if (name == "HOME") {
    return "/root";
  }
  if (name == "EMPTY") {
    return "";
  }
  return std::nullopt;
}

TEST(ParseEnvFlagTest, KeyValueKeptAsIs) {
  EXPECT_EQ(*ParseEnvFlag("A=1", FakeEnv), "A=1");
  EXPECT_EQ(*ParseEnvFlag("A=", FakeEnv), "A=");
  EXPECT_EQ(*ParseEnvFlag("A=b=c", FakeEnv), "A=b=c");
  // The value is the client's: HOME=x is not replaced from the environment.
  EXPECT_EQ(*ParseEnvFlag("HOME=x", FakeEnv), "HOME=x");
}

TEST(ParseEnvFlagTest, BareNameTakesClientValue) {
  EXPECT_EQ(*ParseEnvFlag("HOME", FakeEnv), "HOME=/root");
  EXPECT_EQ(*ParseEnvFlag("EMPTY", FakeEnv), "EMPTY=");
  EXPECT_EQ(*ParseEnvFlag("UNSET", FakeEnv), "UNSET");
}

TEST(ParseEnvFlagTest, RejectsEmptyOrBlankNames) {
  EXPECT_EQ(ParseEnvFlag("=1", FakeEnv).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseEnvFlag("", FakeEnv).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseEnvFlag("A B=1", FakeEnv).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace berth::cli

namespace berth::cli {
namespace {

TEST(ParseTimeArgumentTest, TakesWhatTheDockerCliTakes) {
  const absl::Time now = absl::FromUnixSeconds(1700000000);
  EXPECT_EQ(*ParseTimeArgument("1600000000", now), absl::FromUnixSeconds(1600000000));
  EXPECT_EQ(*ParseTimeArgument("1600000000.5", now),
            absl::FromUnixSeconds(1600000000) + absl::Milliseconds(500));
  EXPECT_EQ(*ParseTimeArgument("10m", now), now - absl::Minutes(10));
  EXPECT_EQ(*ParseTimeArgument("1h30m", now), now - absl::Minutes(90));
  EXPECT_EQ(*ParseTimeArgument("2023-11-14T22:13:20Z", now), absl::FromUnixSeconds(1700000000));
  EXPECT_EQ(*ParseTimeArgument("2023-11-14", now), absl::FromUnixSeconds(1699920000));
  for (const char* bad : {"", "yesterday", "1.", "-5m", "12ab", "1.1234567890"}) {
    EXPECT_FALSE(ParseTimeArgument(bad, now).ok()) << bad;
  }
}

}  // namespace
}  // namespace berth::cli
