// A service's events (runtimed: containers, imaged: images, ...) in a bounded
// ring, streamed to subscribers and, once Persist() is called, kept on disk so
// that `docker events --since` still finds them after the service restarts
// (design.md: each service keeps its own events; apid merges them).
//
// On disk: one JSON object per line (events.jsonl), appended with a single
// write per event. The file is rewritten (temp file + rename) to the newest
// `capacity` events when it holds twice that many. A torn last line, left by
// a crash in the middle of a write, is dropped when the file is loaded.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/fs/fs.h"

namespace berth::events {

struct EventRecord {
  std::string type = "container";  // container, image, network, volume
  std::string action;              // create, start, die, pull, tag, ...
  std::string id;
  std::map<std::string, std::string> attributes;
  int64_t time_unix_nano = 0;
  uint64_t sequence = 0;
};

// One line of the journal (without the newline), and back. Decoding refuses
// anything that is not a complete record.
std::string EncodeEventLine(const EventRecord& event);
absl::StatusOr<EventRecord> DecodeEventLine(std::string_view line);

class EventLog {
 public:
  explicit EventLog(size_t capacity = 1024) : capacity_(capacity) {}

  // Loads the events kept at `path` (a missing file is an empty log) and
  // appends every later event there. Call once, before the first Emit.
  absl::Status Persist(const std::string& path);

  // Stamps the event with the current time and the next sequence number,
  // keeps it (in memory and, when persisted, on disk) and wakes subscribers.
  // A failed disk write is logged; the event is still delivered.
  void Emit(EventRecord event);

  // Sends the kept events with since < time (<= until when until > 0), in
  // order; since == 0 sends none of them. Then, unless `until` has passed,
  // each new event as it comes until `sink` returns false, `cancelled`
  // returns true (checked at least every 200 ms) or `until` passes.
  void Stream(int64_t since_unix_nano, int64_t until_unix_nano,
              const std::function<bool(const EventRecord&)>& sink,
              const std::function<bool()>& cancelled);

 private:
  // Rewrites the journal to the ring's events (temp file + rename).
  absl::Status CompactLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const size_t capacity_;
  absl::Mutex mu_;
  std::deque<EventRecord> ring_ ABSL_GUARDED_BY(mu_);
  uint64_t next_sequence_ ABSL_GUARDED_BY(mu_) = 1;
  std::string path_ ABSL_GUARDED_BY(mu_);
  fs::ScopedFd journal_ ABSL_GUARDED_BY(mu_);
  size_t journal_lines_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace berth::events
