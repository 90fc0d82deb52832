#include "services/runtimed/events.h"

#include <vector>

#include "absl/time/clock.h"

namespace berth::runtimed {

void EventLog::Emit(EventRecord event) {
  absl::MutexLock lock(&mu_);
  event.time_unix_nano = absl::GetCurrentTimeNanos();
  event.sequence = next_sequence_++;
  ring_.push_back(std::move(event));
  while (ring_.size() > capacity_) ring_.pop_front();
}

void EventLog::Stream(int64_t since_unix_nano,
                      const std::function<bool(const EventRecord&)>& sink,
                      const std::function<bool()>& cancelled) {
  uint64_t seen = 0;
  {
    absl::MutexLock lock(&mu_);
    seen = next_sequence_ - 1;
  }
  std::vector<EventRecord> batch;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& e : ring_) {
      if (since_unix_nano > 0 && e.time_unix_nano > since_unix_nano && e.sequence <= seen) {
        batch.push_back(e);
      }
    }
  }
  for (const auto& e : batch) {
    if (!sink(e)) return;
  }
  while (!cancelled()) {
    batch.clear();
    {
      absl::MutexLock lock(&mu_);
      auto newer = [this, &seen]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return next_sequence_ - 1 > seen;
      };
      mu_.AwaitWithTimeout(absl::Condition(&newer), absl::Milliseconds(200));
      for (const auto& e : ring_) {
        if (e.sequence > seen) batch.push_back(e);
      }
      seen = next_sequence_ - 1;
    }
    for (const auto& e : batch) {
      if (!sink(e)) return;
    }
  }
}

}  // namespace berth::runtimed
