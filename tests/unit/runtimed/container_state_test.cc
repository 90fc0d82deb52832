#include "services/runtimed/container_state.h"

#include "gtest/gtest.h"

namespace berth::runtimed {
namespace {

TEST(ContainerStateTest, StartOnlyFromCreatedOrExited) {
  EXPECT_TRUE(CanStart(v1::CONTAINER_STATUS_CREATED));
  EXPECT_TRUE(CanStart(v1::CONTAINER_STATUS_EXITED));
  EXPECT_FALSE(CanStart(v1::CONTAINER_STATUS_RUNNING));
  EXPECT_FALSE(CanStart(v1::CONTAINER_STATUS_REMOVING));
  EXPECT_FALSE(CanStart(v1::CONTAINER_STATUS_DEAD));
}

TEST(ContainerStateTest, RemoveRunningNeedsForce) {
  EXPECT_FALSE(CanRemove(v1::CONTAINER_STATUS_RUNNING, false));
  EXPECT_TRUE(CanRemove(v1::CONTAINER_STATUS_RUNNING, true));
  EXPECT_TRUE(CanRemove(v1::CONTAINER_STATUS_CREATED, false));
  EXPECT_TRUE(CanRemove(v1::CONTAINER_STATUS_EXITED, false));
  EXPECT_FALSE(CanRemove(v1::CONTAINER_STATUS_REMOVING, true));
}

TEST(ContainerStateTest, RunningStatesAndNames) {
  EXPECT_TRUE(IsRunning(v1::CONTAINER_STATUS_RUNNING));
  EXPECT_TRUE(IsRunning(v1::CONTAINER_STATUS_PAUSED));
  EXPECT_FALSE(IsRunning(v1::CONTAINER_STATUS_EXITED));
  EXPECT_EQ(StatusName(v1::CONTAINER_STATUS_EXITED), "exited");
  EXPECT_EQ(StatusName(v1::CONTAINER_STATUS_CREATED), "created");
}

}  // namespace
}  // namespace berth::runtimed
