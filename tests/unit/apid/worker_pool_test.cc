#include "services/apid/rest/worker_pool.h"

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "absl/synchronization/notification.h"

namespace berth::apid::rest {
namespace {

TEST(WorkerPoolTest, RefusesBeyondTheLimitAndReusesThreads) {
  WorkerPool pool(2, absl::Seconds(30));
  absl::Notification release;
  std::atomic<int> ran{0};
  ASSERT_TRUE(pool.TryReserve());
  ASSERT_TRUE(pool.TryReserve());
  EXPECT_FALSE(pool.TryReserve());  // both claimed, none queued
  for (int i = 0; i < 2; ++i) {
    pool.Run([&] {
      release.WaitForNotification();
      ran.fetch_add(1);
    });
  }
  EXPECT_EQ(pool.threads(), 2);
  release.Notify();
  for (int i = 0; i < 500 && pool.busy() > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(ran.load(), 2);
  EXPECT_EQ(pool.busy(), 0);
  // The idle threads take the next tasks: no new thread.
  absl::Notification done;
  ASSERT_TRUE(pool.TryReserve());
  pool.Run([&] { done.Notify(); });
  EXPECT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(5)));
  EXPECT_EQ(pool.threads(), 2);
  EXPECT_TRUE(pool.Stop(absl::Seconds(5)));
  EXPECT_EQ(pool.threads(), 0);
  EXPECT_FALSE(pool.TryReserve());
}

TEST(WorkerPoolTest, IdleThreadsExit) {
  WorkerPool pool(4, absl::Milliseconds(50));
  absl::Notification done;
  ASSERT_TRUE(pool.TryReserve());
  pool.Run([&] { done.Notify(); });
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(5)));
  for (int i = 0; i < 300 && pool.threads() > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(pool.threads(), 0);
  EXPECT_TRUE(pool.Stop(absl::Seconds(1)));
}

TEST(WorkerPoolTest, StopWaitsForRunningTasks) {
  WorkerPool pool(1);
  absl::Notification started;
  absl::Notification release;
  ASSERT_TRUE(pool.TryReserve());
  pool.Run([&] {
    started.Notify();
    release.WaitForNotification();
  });
  started.WaitForNotification();
  EXPECT_FALSE(pool.Stop(absl::Milliseconds(50)));
  release.Notify();
  EXPECT_TRUE(pool.Stop(absl::Seconds(5)));
}

}  // namespace
}  // namespace berth::apid::rest
