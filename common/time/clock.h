// Time as a collaborator. Code whose behaviour depends on how much time has
// passed (stop timeouts, start and finish times) takes a Clock, so unit tests
// drive it with a FakeClock (common/time/fake_clock.h) instead of sleeping.
// Poll intervals that only bound how soon a cancellation is noticed stay on
// real time: they change no outcome.
#pragma once

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace berth {

class Clock {
 public:
  virtual ~Clock() = default;

  // The current wall time on this clock.
  virtual absl::Time Now() = 0;
  // With `mu` held: blocks until `condition` holds (true) or `timeout` has
  // passed on this clock (false). `mu` is released while blocked, as
  // absl::Mutex::AwaitWithTimeout does, and held again on return.
  virtual bool AwaitWithTimeout(absl::Mutex& mu, const absl::Condition& condition,
                                absl::Duration timeout) = 0;
};

// The system's clock.
class RealClock final : public Clock {
 public:
  absl::Time Now() override { return absl::Now(); }
  bool AwaitWithTimeout(absl::Mutex& mu, const absl::Condition& condition,
                        absl::Duration timeout) override {
    return mu.AwaitWithTimeout(condition, timeout);
  }
};

// Nanoseconds since the epoch, the unit of runtimed's exit records.
inline int64_t UnixNanos(absl::Time t) { return absl::ToUnixNanos(t); }

}  // namespace berth
