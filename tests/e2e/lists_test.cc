// docker ps's selection end to end, through the docker CLI (REST) and berth
// (gRPC): both faces hand their filters and limit to the one use case
// (ContainerService::List), so both must select the same containers.
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/support/command.h"
#include "tests/e2e/support/stack.h"
#include "tests/e2e/support/stack_fixture.h"

namespace berth::e2e {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

class ListsTest : public BusyboxStackCliTest {
 protected:
  void SetUp() override {
    BusyboxStackCliTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    // Created in this order: web (running), job (exited 3), db (running).
    ASSERT_EQ(stack_->Docker("run -d --name web --label tier=web busybox sleep 600").exit_code, 0);
    stack_->Docker("run --name job --label tier=web --label batch busybox sh -c 'exit 3'");
    ASSERT_EQ(stack_->Docker("run -d --name db --label tier=db busybox sleep 600").exit_code, 0);
    for (const char* name : {"web", "job", "db"}) {
      CommandResult id = stack_->Docker(std::string("inspect -f '{{.Id}}' ") + name);
      ASSERT_EQ(id.exit_code, 0) << id.err;
      ids_[Trimmed(id.out)] = name;
    }
  }

  // The names `ps -q --no-trunc <args>` lists, in its order.
  std::vector<std::string> Ps(const std::string& args) {
    CommandResult r = Cli("ps -q --no-trunc " + args);
    EXPECT_EQ(r.exit_code, 0) << args << ": " << r.out << r.err;
    std::vector<std::string> names;
    for (absl::string_view id : absl::StrSplit(r.out, '\n', absl::SkipWhitespace())) {
      auto it = ids_.find(std::string(id));
      names.push_back(it == ids_.end() ? "unknown " + std::string(id) : it->second);
    }
    return names;
  }

  std::map<std::string, std::string> ids_;  // full id → name
};

TEST_P(ListsTest, FiltersAndLimitsSelectTheSameContainersThroughBothFaces) {
  EXPECT_THAT(Ps(""), UnorderedElementsAre("web", "db"));
  EXPECT_THAT(Ps("-a"), ElementsAre("db", "job", "web"));  // newest first
  EXPECT_THAT(Ps("--filter label=tier=web"), ElementsAre("web"));
  EXPECT_THAT(Ps("-a --filter label=tier=web"), ElementsAre("job", "web"));
  // Every label must match; the values of another key are alternatives.
  EXPECT_THAT(Ps("-a --filter label=tier=web --filter label=batch"), ElementsAre("job"));
  EXPECT_THAT(Ps("--filter name=web --filter name=db"), UnorderedElementsAre("web", "db"));
  // A status or exited filter, and a limit, look at stopped containers too.
  EXPECT_THAT(Ps("--filter status=exited"), ElementsAre("job"));
  EXPECT_THAT(Ps("--filter exited=3"), ElementsAre("job"));
  EXPECT_THAT(Ps("-n 2"), ElementsAre("db", "job"));
  EXPECT_THAT(Ps("-l"), ElementsAre("db"));

  CommandResult bad = Cli("ps --filter volume=x");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_THAT(bad.err, HasSubstr("invalid filter 'volume'"));
}

TEST_P(ListsTest, ImageFiltersThroughBothFaces) {
  ASSERT_EQ(stack_->Docker("tag busybox other:1").exit_code, 0);
  CommandResult other = Cli("images --filter reference=oth*");
  ASSERT_EQ(other.exit_code, 0) << other.err;
  EXPECT_THAT(other.out, HasSubstr("other"));
  EXPECT_THAT(other.out, ::testing::Not(HasSubstr("busybox")));
  CommandResult labelled = Cli("images -q --filter label=no.such.label");
  ASSERT_EQ(labelled.exit_code, 0) << labelled.err;
  EXPECT_EQ(labelled.out, "");
  CommandResult bad = Cli("images --filter bogus=1");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_THAT(bad.err, HasSubstr("invalid filter 'bogus'"));
}

// The row of `system df`'s table that starts with `type`, split on runs of
// spaces ("Local Volumes" stays one cell: cells are 3+ spaces apart).
std::vector<std::string> DfRow(const std::string& table, const std::string& type) {
  for (absl::string_view line : absl::StrSplit(table, '\n')) {
    if (!absl::StartsWith(line, type + " ")) continue;
    std::vector<std::string> cells;
    for (absl::string_view cell : absl::StrSplit(line, "   ", absl::SkipWhitespace())) {
      cells.emplace_back(absl::StripAsciiWhitespace(cell));
    }
    return cells;
  }
  return {};
}

TEST_P(ListsTest, SystemDfCountsWhatContainersAndVolumesHold) {
  // A stopped container whose writable layer holds 3000 bytes, and an unused
  // volume holding 5000.
  ASSERT_EQ(Cli("run --name writer busybox sh -c 'head -c 3000 /dev/zero > /big'").exit_code, 0);
  ASSERT_EQ(Cli("volume create vol").exit_code, 0);
  ASSERT_EQ(
      Cli("run --rm -v vol:/data busybox sh -c 'head -c 5000 /dev/zero > /data/f'").exit_code,
      0);

  CommandResult df = Cli("system df");
  ASSERT_EQ(df.exit_code, 0) << df.out << df.err;
  EXPECT_THAT(DfRow(df.out, "TYPE"),
              ElementsAre("TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"));
  std::vector<std::string> images = DfRow(df.out, "Images");
  ASSERT_EQ(images.size(), 5u) << df.out;
  EXPECT_EQ(images[1], "1");                 // busybox
  EXPECT_EQ(images[2], "1");                 // used by the containers
  EXPECT_NE(images[3], "0B");                // its layer
  EXPECT_EQ(images[4], "0B (0%)");           // it holds its layer alone
  // web, job, db, writer; web and db run; only the writer wrote anything.
  EXPECT_THAT(DfRow(df.out, "Containers"), ElementsAre("Containers", "4", "2", "3kB", "3kB (100%)"));
  EXPECT_THAT(DfRow(df.out, "Local Volumes"),
              ElementsAre("Local Volumes", "1", "0", "5kB", "5kB (100%)"));
  EXPECT_THAT(DfRow(df.out, "Build Cache"), ElementsAre("Build Cache", "0", "0", "0B", "0B"));
}

INSTANTIATE_TEST_SUITE_P(Clis, ListsTest, ::testing::Values("docker", "berth"));

}  // namespace
}  // namespace berth::e2e
