// json-file log rotation on a private stack, through the docker CLI and
// berth: --log-opt max-size/max-file rotate the container's log, `logs`
// (whole, --tail) spans the rotated files in order, inspect shows the
// LogConfig, and options Berth does not honour are refused at create.
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/support/command.h"
#include "tests/e2e/support/stack.h"
#include "tests/e2e/support/stack_fixture.h"

namespace berth::e2e {
namespace {

using ::testing::HasSubstr;

// 200 entries of ~80 bytes in ten bursts with a pause between them: far
// more than max-size, so the log rotates whatever the shim's read sizes.
constexpr char kBursts[] =
    "busybox sh -c 'i=0; while [ $i -lt 200 ]; do echo line $i; i=$((i+1)); "
    "[ $((i % 20)) -eq 0 ] && sleep 0.2; done'";

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

std::vector<std::string> Expected(int from, int to) {
  std::vector<std::string> lines;
  for (int i = from; i <= to; ++i) lines.push_back(absl::StrCat("line ", i));
  return lines;
}

class LogsTest : public BusyboxStackTest {
 protected:
  // The container's log files in runtimed's state dir (<id>-json.log*).
  int LogFileCount(const std::string& id) {
    int count = 0;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(
             stack_->root() + "/lib/runtimed/containers/" + id, ec)) {
      if (entry.path().filename().string().rfind(id + "-json.log", 0) == 0) ++count;
    }
    return count;
  }
};

TEST_F(LogsTest, DockerLogOptsRotateAndLogsSpanTheRotatedFiles) {
  CommandResult run = stack_->Docker(
      std::string("run --name e2e-rotate --log-opt max-size=2k --log-opt max-file=3 ") + kBursts,
      CommandOptions{.timeout = std::chrono::seconds(60)});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::string id = Trimmed(stack_->Docker("inspect -f '{{.Id}}' e2e-rotate").out);
  EXPECT_EQ(LogFileCount(id), 3) << "live file + 2 rotated";
  EXPECT_EQ(Trimmed(stack_->Docker("inspect -f '{{json .HostConfig.LogConfig}}' e2e-rotate").out),
            R"({"Type":"json-file","Config":{"max-file":"3","max-size":"2k"}})");
  // Three files of up to 2 KiB (~25 entries each) are kept: the newest
  // lines, in order, without a gap, and none of the oldest.
  CommandResult all = stack_->Docker("logs e2e-rotate");
  ASSERT_EQ(all.exit_code, 0) << all.err;
  std::vector<std::string> kept = Lines(all.out);
  ASSERT_GE(kept.size(), 40u);
  EXPECT_LT(kept.size(), 90u);
  EXPECT_EQ(kept, Expected(200 - static_cast<int>(kept.size()), 199));
  // --tail 30 spans the newest rotated file and the live one.
  EXPECT_EQ(Lines(stack_->Docker("logs --tail 30 e2e-rotate").out), Expected(170, 199));
  EXPECT_EQ(Lines(stack_->Berth("logs --tail 30 e2e-rotate").out), Expected(170, 199));
  EXPECT_EQ(stack_->Docker("rm e2e-rotate").exit_code, 0);
  EXPECT_EQ(LogFileCount(id), 0);
}

TEST_F(LogsTest, BerthLogOptRotatesWithOneFileByTruncating) {
  CommandResult run = stack_->Berth(
      std::string("run --name e2e-trunc --log-opt max-size=1k ") + kBursts,
      CommandOptions{.timeout = std::chrono::seconds(60)});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::string id = Trimmed(stack_->Docker("inspect -f '{{.Id}}' e2e-trunc").out);
  EXPECT_EQ(LogFileCount(id), 1);
  // Only what was written since the last truncation: the newest lines,
  // at most about one burst (a chunk read from the container is written whole).
  std::vector<std::string> kept = Lines(stack_->Docker("logs e2e-trunc").out);
  ASSERT_FALSE(kept.empty());
  EXPECT_LT(kept.size(), 40u);
  EXPECT_EQ(kept, Expected(200 - static_cast<int>(kept.size()), 199));
}

TEST_F(LogsTest, UnsupportedLogOptionsAreRefusedAtCreate) {
  CommandResult size = stack_->Docker("run --rm --log-opt max-size=1x busybox true");
  EXPECT_NE(size.exit_code, 0);
  EXPECT_THAT(size.err, HasSubstr("invalid size: '1x'"));
  CommandResult opt = stack_->Docker("create --log-opt max-sise=1m busybox true");
  EXPECT_NE(opt.exit_code, 0);
  EXPECT_THAT(opt.err, HasSubstr("unknown log opt 'max-sise' for json-file log driver"));
  CommandResult driver = stack_->Docker("create --log-driver syslog busybox true");
  EXPECT_NE(driver.exit_code, 0);
  EXPECT_THAT(driver.err, HasSubstr("logging driver \"syslog\" is not supported"));
  CommandResult berth = stack_->Berth("run --rm --log-opt max-file=3 busybox true");
  EXPECT_NE(berth.exit_code, 0);
  EXPECT_THAT(berth.err, HasSubstr("max-file cannot be greater than 1 without max-size"));
  // Nothing was left behind.
  EXPECT_EQ(Trimmed(stack_->Docker("ps -aq").out), "");
}

}  // namespace
}  // namespace berth::e2e
