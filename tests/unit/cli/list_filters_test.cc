#include "cli/list_filters.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace berth::cli {
namespace {

using ::testing::ElementsAre;

TEST(ListFiltersTest, OneEntryPerKeyWithValuesInFlagOrder) {
  v1::ListContainersApiRequest request;
  ASSERT_TRUE(AddFilterFlags({"label=a=1", "status=exited", "label=b", "name=web"},
                             request.mutable_filters())
                  .ok());
  ASSERT_EQ(request.filters_size(), 3);
  EXPECT_EQ(request.filters(0).key(), "label");
  EXPECT_THAT(request.filters(0).values(), ElementsAre("a=1", "b"));
  EXPECT_EQ(request.filters(1).key(), "status");
  EXPECT_THAT(request.filters(1).values(), ElementsAre("exited"));
  EXPECT_EQ(request.filters(2).key(), "name");
  EXPECT_THAT(request.filters(2).values(), ElementsAre("web"));
}

TEST(ListFiltersTest, AnEmptyValueIsAValue) {
  v1::ListContainersApiRequest request;
  ASSERT_TRUE(AddFilterFlags({"name="}, request.mutable_filters()).ok());
  ASSERT_EQ(request.filters_size(), 1);
  EXPECT_THAT(request.filters(0).values(), ElementsAre(""));
}

TEST(ListFiltersTest, AFlagWithoutKeyOrEqualsIsRefusedAsDockerSaysIt) {
  v1::ListContainersApiRequest request;
  absl::Status no_equals = AddFilterFlags({"status"}, request.mutable_filters());
  EXPECT_EQ(no_equals.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(no_equals.message(), "bad format of filter (expected name=value): status");
  EXPECT_EQ(AddFilterFlags({"=x"}, request.mutable_filters()).code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace berth::cli
