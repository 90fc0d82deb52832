#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "services/apid/rest/filters.h"
#include "services/apid/rest/query.h"
#include "services/apid/usecases/container_query.h"

namespace berth::apid::rest {
namespace {

using ::testing::ElementsAre;

TEST(ParseDockerBoolTest, DockerdRule) {
  for (const char* f : {"", "0", "no", "false", "False", "NONE", " false "}) {
    EXPECT_FALSE(ParseDockerBool(f)) << f;
  }
  for (const char* t : {"1", "true", "True", "yes", "anything"}) {
    EXPECT_TRUE(ParseDockerBool(t)) << t;
  }
}

TEST(QueryTest, ParsesDecodesAndRepeats) {
  auto q = Query::Parse("fromSrc=-&repo=api-imp%3Av1&changes=ENV+A%3D1&changes=CMD+x&force=True");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->Get("repo"), "api-imp:v1");
  EXPECT_THAT(q->GetAll("changes"), ElementsAre("ENV A=1", "CMD x"));
  EXPECT_TRUE(q->GetBool("force"));
  EXPECT_FALSE(q->GetBool("missing"));
  EXPECT_TRUE(q->GetBool("missing", true));
  EXPECT_EQ(q->Get("missing", "dflt"), "dflt");
}

TEST(QueryTest, IntegersAndErrors) {
  auto q = Query::Parse("t=5&h=x&limit=");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(*q->GetInt("t", -1, kStopTimeoutRange), 5);
  EXPECT_EQ(*q->GetInt("limit", -1, kListLimitRange), -1);
  EXPECT_EQ(*q->GetInt("absent", 7, kTerminalSizeRange), 7);
  EXPECT_EQ(q->GetInt("h", 0, kTerminalSizeRange).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(Query::Parse("a=%zz").ok());
}

TEST(QueryTest, IntegersAreCheckedAgainstTheirRangeWithoutWrapping) {
  const IntRange range{-1, 10};
  for (const char* bad : {"t=11", "t=-2", "t=99999999999999999999", "t=-99999999999999999999",
                          "t=18446744073709551615", "t=0x10", "t=1e3", "t=5%00"}) {
    auto q = Query::Parse(bad);
    ASSERT_TRUE(q.ok()) << bad;
    absl::StatusOr<long long> v = q->GetInt("t", 0, range);
    EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(std::string(v.status().message()),
                ::testing::HasSubstr("(must be an integer from -1 to 10)"));
  }
  for (const char* good : {"t=-1", "t=0", "t=10", "t=%2B3"}) {
    auto q = Query::Parse(good);
    EXPECT_TRUE(q->GetInt("t", 0, range).ok()) << good;
  }
}

TEST(QueryTest, SignalsNumbersBoundedNamesKept) {
  EXPECT_EQ(*Query::Parse("s=KILL")->GetSignal("s"), "KILL");
  EXPECT_EQ(*Query::Parse("s=sigterm")->GetSignal("s"), "sigterm");
  EXPECT_EQ(*Query::Parse("")->GetSignal("s"), "");
  EXPECT_EQ(*Query::Parse("s=64")->GetSignal("s"), "64");
  EXPECT_FALSE(Query::Parse("s=65")->GetSignal("s").ok());
  EXPECT_FALSE(Query::Parse("s=0")->GetSignal("s").ok());
  EXPECT_FALSE(Query::Parse("s=4294967297")->GetSignal("s").ok());
}

TEST(QueryTest, UnixNanosExactAndBounded) {
  EXPECT_EQ(*Query::Parse("")->GetUnixNanos("since"), 0);
  EXPECT_EQ(*Query::Parse("since=0")->GetUnixNanos("since"), 0);
  EXPECT_EQ(*Query::Parse("since=1700000000.123456789")->GetUnixNanos("since"),
            1700000000123456789LL);
  EXPECT_EQ(*Query::Parse("since=12.5")->GetUnixNanos("since"), 12500000000LL);
  EXPECT_EQ(*Query::Parse("since=9223372036.854775807")->GetUnixNanos("since"),
            std::numeric_limits<int64_t>::max());
  for (const char* bad : {"since=9223372036.854775808", "since=9223372037", "since=-1",
                          "since=nan", "since=inf", "since=1e9", "since=.5", "since=1.",
                          "since=1.2.3", "since=1.0000000001", "since=+1"}) {
    absl::StatusOr<int64_t> v = Query::Parse(bad)->GetUnixNanos("since");
    EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(PercentDecodeTest, PlusOnlyInQueries) {
  EXPECT_EQ(*PercentDecode("a+b%2Fc", true), "a b/c");
  EXPECT_EQ(*PercentDecode("a+b%2Fc", false), "a+b/c");
  EXPECT_FALSE(PercentDecode("%4", false).ok());
}

TEST(FiltersTest, BothShapes) {
  auto cli = ParseFilters(R"({"label":{"api":true},"status":{"running":true}})");
  ASSERT_TRUE(cli.ok());
  EXPECT_THAT((*cli)["label"], ElementsAre("api"));
  EXPECT_THAT((*cli)["status"], ElementsAre("running"));
  auto py = ParseFilters(R"({"label": ["api", "k=v"]})");
  ASSERT_TRUE(py.ok());
  EXPECT_THAT((*py)["label"], ElementsAre("api", "k=v"));
  EXPECT_TRUE(ParseFilters("")->empty());
  EXPECT_FALSE(ParseFilters("{").ok());
  EXPECT_FALSE(ValidateContainerFilters({{"volume", {"x"}}}).ok());
}

TEST(FiltersTest, ContainerMatching) {
  v1::Container c;
  c.set_id("abcdef");
  c.set_name("api-x");
  (*c.mutable_config()->mutable_labels())["api"] = "1";
  c.mutable_state()->set_status(v1::CONTAINER_STATUS_EXITED);
  c.mutable_state()->set_exit_code(3);
  EXPECT_TRUE(ContainerMatches(c, {{"label", {"api"}}, {"status", {"exited", "running"}}}));
  EXPECT_TRUE(ContainerMatches(c, {{"label", {"api=1"}}, {"id", {"abc"}}, {"name", {"/api"}}}));
  EXPECT_TRUE(ContainerMatches(c, {{"exited", {"3"}}}));
  EXPECT_FALSE(ContainerMatches(c, {{"label", {"api=2"}}}));
  EXPECT_FALSE(ContainerMatches(c, {{"status", {"running"}}}));
}

// docker-compose lists a project's containers twice, with
// label=project=P,oneoff=False and with label=project=P,oneoff=True; an OR
// over labels returned every container in both lists.
TEST(FiltersTest, EveryLabelFilterMustMatch) {
  v1::Container c;
  c.set_id("abcdef");
  (*c.mutable_config()->mutable_labels())["com.docker.compose.project"] = "p";
  (*c.mutable_config()->mutable_labels())["com.docker.compose.oneoff"] = "False";
  EXPECT_TRUE(ContainerMatches(c, {{"label", {"com.docker.compose.project=p",
                                              "com.docker.compose.oneoff=False"}}}));
  EXPECT_FALSE(ContainerMatches(c, {{"label", {"com.docker.compose.project=p",
                                               "com.docker.compose.oneoff=True"}}}));
  EXPECT_FALSE(ContainerMatches(c, {{"label", {"com.docker.compose.project=p", "missing"}}}));
}

}  // namespace
}  // namespace berth::apid::rest
