// A Clock that moves only when a test says so. Timed waits on it end when
// their condition holds or when Advance() carries the clock past their
// deadline; a test learns that a wait is in place with AwaitWaiters(), so
// "the stop waits its timeout, then kills" is checked without sleeping.
#pragma once

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/time/clock.h"

namespace berth {

class FakeClock final : public Clock {
 public:
  explicit FakeClock(absl::Time start = absl::FromUnixSeconds(1700000000)) : now_(start) {}

  absl::Time Now() override {
    absl::MutexLock lock(&clock_mu_);
    return now_;
  }

  void Advance(absl::Duration d) {
    absl::MutexLock lock(&clock_mu_);
    now_ += d;
  }

  // Blocks (in real time, at most `real_limit`) until `n` timed waits are
  // in progress. False on the limit.
  bool AwaitWaiters(int n, absl::Duration real_limit = absl::Seconds(10)) {
    absl::MutexLock lock(&clock_mu_);
    auto enough = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(clock_mu_) { return waiters_ >= n; };
    return clock_mu_.AwaitWithTimeout(absl::Condition(&enough), real_limit);
  }

  bool AwaitWithTimeout(absl::Mutex& mu, const absl::Condition& condition,
                        absl::Duration timeout) override {
    const absl::Time deadline = Now() + timeout;
    {
      absl::MutexLock lock(&clock_mu_);
      ++waiters_;
    }
    bool met = false;
    while (true) {
      if (condition.Eval()) {
        met = true;
        break;
      }
      if (Now() >= deadline) break;
      // Advance() does not signal `mu`; a short real slice notices it. A
      // change of the condition wakes the wait at once.
      mu.AwaitWithTimeout(condition, absl::Milliseconds(2));
    }
    absl::MutexLock lock(&clock_mu_);
    --waiters_;
    return met;
  }

 private:
  absl::Mutex clock_mu_;
  absl::Time now_ ABSL_GUARDED_BY(clock_mu_);
  int waiters_ ABSL_GUARDED_BY(clock_mu_) = 0;
};

}  // namespace berth
