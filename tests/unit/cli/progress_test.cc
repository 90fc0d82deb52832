#include "cli/progress.h"

#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace berth::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(ProgressBarTest, DrawsDockersBar) {
  EXPECT_EQ(ProgressBar(0, 25'000'000),
            "[>" + std::string(50, ' ') + "]       0B/25MB");
  EXPECT_EQ(ProgressBar(12'500'000, 25'000'000),
            "[" + std::string(25, '=') + ">" + std::string(25, ' ') + "]   12.5MB/25MB");
  EXPECT_EQ(ProgressBar(25'000'000, 25'000'000),
            "[" + std::string(50, '=') + ">]     25MB/25MB");
  // One '=' per 2 %: 3 % draws one.
  EXPECT_EQ(ProgressBar(3, 100), "[=>" + std::string(49, ' ') + "]       3B/100B");
}

TEST(ProgressBarTest, UnknownOrInconsistentTotals) {
  EXPECT_EQ(ProgressBar(1'500'000, 0), "1.5MB");
  EXPECT_EQ(ProgressBar(200, 100), "    200B/100B");  // no bar past the end
}

TEST(ProgressDisplayTest, PlainLinesLeaveOutProgressMessages) {
  std::ostringstream out;
  ProgressDisplay display(out, /*terminal=*/false);
  display.Show("1", "Pulling from team/app", 0, 0);
  display.Show("abc", "Pulling fs layer", 0, 0);
  display.Show("abc", "Downloading", 100, 1000);
  display.Show("abc", "Pushing", 0, 1000);
  display.Show("abc", "Pull complete", 0, 0);
  display.Show("", "Status: Downloaded newer image for team/app:1", 0, 0);
  EXPECT_EQ(out.str(),
            "1: Pulling from team/app\nabc: Pulling fs layer\nabc: Pull complete\n"
            "Status: Downloaded newer image for team/app:1\n");
  EXPECT_THAT(out.str(), Not(HasSubstr("\033")));
}

TEST(ProgressDisplayTest, TerminalRewritesEachLayersLineInPlace) {
  std::ostringstream out;
  ProgressDisplay display(out, /*terminal=*/true);
  display.Show("aaa", "Pulling fs layer", 0, 0);
  display.Show("bbb", "Pulling fs layer", 0, 0);
  const size_t before = out.str().size();
  display.Show("aaa", "Downloading", 500, 1000);
  // aaa is two lines up: cursor up 2, clear, the bar, back down 2.
  EXPECT_EQ(out.str().substr(before),
            "\033[2A\r\033[2Kaaa: Downloading [" + std::string(25, '=') + ">" +
                std::string(25, ' ') + "]     500B/1kB\r\033[2B");
  const size_t before_b = out.str().size();
  display.Show("bbb", "Download complete", 0, 0);
  EXPECT_EQ(out.str().substr(before_b), "\033[1A\r\033[2Kbbb: Download complete\r\033[1B");
  // A line without an id goes below the layers.
  const size_t before_status = out.str().size();
  display.Show("", "Digest: sha256:x", 0, 0);
  EXPECT_EQ(out.str().substr(before_status), "\r\033[2KDigest: sha256:x\n");
  display.Show("aaa", "Pull complete", 0, 0);
  EXPECT_THAT(out.str(), HasSubstr("\033[3A\r\033[2Kaaa: Pull complete\r\033[3B"));
}

}  // namespace
}  // namespace berth::cli
