#include "services/runtimed/logs/rotating_log.h"

#include <filesystem>

#include "common/fs/fs.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace berth::runtimed::logs {
namespace {

using ::testing::ElementsAre;

class RotatingLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/rotating-log-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/c-json.log";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Read(const std::string& path) {
    auto text = fs::ReadFile(path);
    return text.ok() ? *text : "<missing>";
  }

  std::string dir_;
  std::string path_;
};

TEST_F(RotatingLogTest, WithoutMaxSizeTheFileOnlyGrows) {
  auto log = RotatingLogFile::Open(path_, {});
  ASSERT_TRUE(log.ok()) << log.status();
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(log->Append("0123456789\n").ok());
  EXPECT_EQ(log->size(), 1100);
  EXPECT_THAT(LogFilesOldestFirst(path_), ElementsAre(path_));
}

TEST_F(RotatingLogTest, RotatesBeforeAWriteWouldPassMaxSizeAndKeepsMaxFiles) {
  auto log = RotatingLogFile::Open(path_, {.max_size = 10, .max_files = 3});
  ASSERT_TRUE(log.ok()) << log.status();
  for (const char* entry : {"aaaa\n", "bbbb\n", "cccc\n", "dddd\n", "eeee\n", "ffff\n", "gggg\n"}) {
    ASSERT_TRUE(log->Append(entry).ok());
  }
  // Two entries per file, whole entries only; the oldest (a, b) dropped.
  EXPECT_EQ(Read(RotatedPath(path_, 2)), "cccc\ndddd\n");
  EXPECT_EQ(Read(RotatedPath(path_, 1)), "eeee\nffff\n");
  EXPECT_EQ(Read(path_), "gggg\n");
  EXPECT_FALSE(std::filesystem::exists(RotatedPath(path_, 3)));
  EXPECT_THAT(LogFilesOldestFirst(path_),
              ElementsAre(RotatedPath(path_, 2), RotatedPath(path_, 1), path_));
}

TEST_F(RotatingLogTest, OneFileIsTruncatedInsteadOfRotated) {
  auto log = RotatingLogFile::Open(path_, {.max_size = 10, .max_files = 1});
  ASSERT_TRUE(log.ok());
  ASSERT_TRUE(log->Append("aaaa\nbbbb\n").ok());
  ASSERT_TRUE(log->Append("cccc\n").ok());
  EXPECT_EQ(Read(path_), "cccc\n");
  EXPECT_FALSE(std::filesystem::exists(RotatedPath(path_, 1)));
}

TEST_F(RotatingLogTest, AnEntryLargerThanMaxSizeIsWrittenWhole) {
  auto log = RotatingLogFile::Open(path_, {.max_size = 4, .max_files = 2});
  ASSERT_TRUE(log.ok());
  ASSERT_TRUE(log->Append("0123456789\n").ok());  // empty file: no rotation first
  ASSERT_TRUE(log->Append("x\n").ok());
  EXPECT_EQ(Read(RotatedPath(path_, 1)), "0123456789\n");
  EXPECT_EQ(Read(path_), "x\n");
}

TEST_F(RotatingLogTest, ReopeningContinuesFromTheFilesSize) {
  // A restarted container (or a new shim) appends to the same log and keeps
  // counting from what is there.
  {
    auto log = RotatingLogFile::Open(path_, {.max_size = 10, .max_files = 2});
    ASSERT_TRUE(log->Append("aaaa\nbbbb\n").ok());
  }
  auto log = RotatingLogFile::Open(path_, {.max_size = 10, .max_files = 2});
  ASSERT_TRUE(log.ok());
  EXPECT_EQ(log->size(), 10);
  ASSERT_TRUE(log->Append("cccc\n").ok());
  EXPECT_EQ(Read(RotatedPath(path_, 1)), "aaaa\nbbbb\n");
  EXPECT_EQ(Read(path_), "cccc\n");
}

TEST_F(RotatingLogTest, OldestFirstStopsAtTheFirstGap) {
  ASSERT_TRUE(fs::WriteFileAtomically(path_, "").ok());
  ASSERT_TRUE(fs::WriteFileAtomically(RotatedPath(path_, 1), "").ok());
  ASSERT_TRUE(fs::WriteFileAtomically(RotatedPath(path_, 3), "").ok());  // stray
  EXPECT_THAT(LogFilesOldestFirst(path_), ElementsAre(RotatedPath(path_, 1), path_));
}

}  // namespace
}  // namespace berth::runtimed::logs
