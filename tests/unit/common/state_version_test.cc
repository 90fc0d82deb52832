#include "common/fs/state_version.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <vector>

#include "common/fs/fs.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace berth::fs {
namespace {

using ::testing::HasSubstr;

class StateVersionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/berth-state-version-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    top_ = tmpl;
    dir_ = top_ + "/state";
    stamp_ = dir_ + "/VERSION";
  }
  void TearDown() override { std::filesystem::remove_all(top_); }

  StateVersionSpec Spec(int supported) {
    StateVersionSpec spec;
    spec.stamp_path = stamp_;
    spec.supported = supported;
    spec.owner = "testd";
    return spec;
  }
  void Write(const std::string& content) {
    ASSERT_TRUE(MakeDirs(dir_, 0700).ok());
    ASSERT_TRUE(WriteFileAtomically(stamp_, content).ok());
  }

  std::string top_, dir_, stamp_;
};

TEST_F(StateVersionTest, NewDirIsMadePrivateAndStampedInTheExistingFormat) {
  ASSERT_TRUE(EnsureStateVersion(Spec(1)).ok());
  // Same bytes the services wrote before the helper existed.
  EXPECT_EQ(*ReadFile(stamp_), "1\n");
  struct stat st{};
  ASSERT_EQ(stat(dir_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  // A second start accepts its own stamp and leaves it alone.
  ASSERT_TRUE(EnsureStateVersion(Spec(1)).ok());
  EXPECT_EQ(*ReadFile(stamp_), "1\n");
}

TEST_F(StateVersionTest, ReadsAStampWithOrWithoutTheNewline) {
  Write("3");
  EXPECT_EQ(*ReadStateVersion(stamp_), 3);
  Write(" 3\n");
  EXPECT_TRUE(EnsureStateVersion(Spec(3)).ok());
}

TEST_F(StateVersionTest, NewerVersionIsRefusedNamingDirFoundAndSupported) {
  Write("7\n");
  absl::Status s = EnsureStateVersion(Spec(1));
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(s.message()), HasSubstr("'" + dir_ + "'"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("schema version '7'"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("testd supports version 1"));
  EXPECT_EQ(*ReadFile(stamp_), "7\n");  // untouched
}

TEST_F(StateVersionTest, GarbageStampIsRefused) {
  Write("banana\n");
  absl::Status s = EnsureStateVersion(Spec(1));
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(s.message()), HasSubstr("'banana'"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("not a version number"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("testd supports version 1"));
  Write("0\n");
  EXPECT_EQ(EnsureStateVersion(Spec(1)).code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(StateVersionTest, OlderVersionRunsEachMigrationInOrderAndRestamps) {
  Write("1\n");
  std::vector<int> ran;
  StateVersionSpec spec = Spec(3);
  // Listed out of order on purpose: the helper picks by `from`.
  spec.migrations.push_back({2, [&] {
                               // The step before has been stamped already.
                               EXPECT_EQ(*ReadFile(stamp_), "2\n");
                               ran.push_back(2);
                               return absl::OkStatus();
                             }});
  spec.migrations.push_back({1, [&] {
                               ran.push_back(1);
                               return absl::OkStatus();
                             }});
  ASSERT_TRUE(EnsureStateVersion(spec).ok());
  EXPECT_EQ(ran, (std::vector<int>{1, 2}));
  EXPECT_EQ(*ReadFile(stamp_), "3\n");
}

TEST_F(StateVersionTest, FailedMigrationStopsAtTheLastGoodStep) {
  Write("1\n");
  StateVersionSpec spec = Spec(3);
  spec.migrations.push_back({1, [] { return absl::OkStatus(); }});
  spec.migrations.push_back({2, [] { return absl::DataLossError("record x is torn"); }});
  absl::Status s = EnsureStateVersion(spec);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(s.message()), HasSubstr("from schema version 2 to 3"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("record x is torn"));
  EXPECT_EQ(*ReadFile(stamp_), "2\n");  // a restart resumes at step 2
}

TEST_F(StateVersionTest, GapInTheMigrationChainRefusesBeforeChangingAnything) {
  Write("1\n");
  bool ran = false;
  StateVersionSpec spec = Spec(3);
  spec.migrations.push_back({1, [&] {
                               ran = true;
                               return absl::OkStatus();
                             }});
  absl::Status s = EnsureStateVersion(spec);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(s.message()), HasSubstr("no migration from version 2 to 3"));
  EXPECT_FALSE(ran);
  EXPECT_EQ(*ReadFile(stamp_), "1\n");
}

TEST_F(StateVersionTest, BadSpecIsAnError) {
  StateVersionSpec spec = Spec(0);
  EXPECT_EQ(EnsureStateVersion(spec).code(), absl::StatusCode::kInvalidArgument);
  spec = Spec(1);
  spec.owner.clear();
  EXPECT_EQ(EnsureStateVersion(spec).code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace berth::fs
