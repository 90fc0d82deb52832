#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "services/apid/rest/filters.h"
#include "services/apid/rest/query.h"

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
  EXPECT_EQ(*q->GetInt("t", -1), 5);
  EXPECT_EQ(*q->GetInt("limit", -1), -1);
  EXPECT_EQ(q->GetInt("h", 0).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(Query::Parse("a=%zz").ok());
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

}  // namespace
}  // namespace berth::apid::rest
