// runtimed's container events (create, start, die, destroy) in a bounded
// in-memory ring, streamed to subscribers.
// TODO(persisted events): design.md wants the ring persisted so that apid can
// serve `since` across a runtimed restart.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>

#include "absl/synchronization/mutex.h"

namespace berth::runtimed {

struct EventRecord {
  std::string type = "container";
  std::string action;
  std::string id;
  std::map<std::string, std::string> attributes;
  int64_t time_unix_nano = 0;
  uint64_t sequence = 0;
};

class EventLog {
 public:
  explicit EventLog(size_t capacity = 1024) : capacity_(capacity) {}

  // Appends an event (stamped with the current time) and wakes subscribers.
  void Emit(EventRecord event);

  // Sends the kept events newer than since_unix_nano, then each new one as
  // it comes, until `sink` returns false or `cancelled` returns true (checked
  // at least every 200 ms).
  void Stream(int64_t since_unix_nano, const std::function<bool(const EventRecord&)>& sink,
              const std::function<bool()>& cancelled);

 private:
  const size_t capacity_;
  absl::Mutex mu_;
  std::deque<EventRecord> ring_ ABSL_GUARDED_BY(mu_);
  uint64_t next_sequence_ ABSL_GUARDED_BY(mu_) = 1;
};

}  // namespace berth::runtimed
