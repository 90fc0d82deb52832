#include "common/events/event_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/status/status.h"
#include "nlohmann/json.hpp"
#include "spdlog/spdlog.h"

namespace berth::events {

using nlohmann::json;

std::string EncodeEventLine(const EventRecord& event) {
  json j{{"seq", event.sequence},       {"time", event.time_unix_nano},
         {"type", event.type},          {"action", event.action},
         {"id", event.id},              {"attributes", event.attributes}};
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

absl::StatusOr<EventRecord> DecodeEventLine(std::string_view line) {
  try {
    json j = json::parse(line);
    EventRecord event;
    event.sequence = j.at("seq").get<uint64_t>();
    event.time_unix_nano = j.at("time").get<int64_t>();
    event.type = j.at("type").get<std::string>();
    event.action = j.at("action").get<std::string>();
    event.id = j.at("id").get<std::string>();
    event.attributes = j.at("attributes").get<std::map<std::string, std::string>>();
    return event;
  } catch (const json::exception& e) {
    return absl::DataLossError(absl::StrCat("malformed event record: ", e.what()));
  }
}

absl::Status EventLog::Persist(const std::string& path) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<std::string> content = fs::ReadFile(path);
  if (!content.ok() && !absl::IsNotFound(content.status())) return content.status();
  size_t dropped = 0;
  if (content.ok()) {
    for (absl::string_view line : absl::StrSplit(*content, '\n', absl::SkipEmpty())) {
      absl::StatusOr<EventRecord> event = DecodeEventLine(std::string_view(line.data(), line.size()));
      if (!event.ok()) {
        ++dropped;  // a torn write at a crash
        continue;
      }
      if (event->sequence >= next_sequence_) next_sequence_ = event->sequence + 1;
      ring_.push_back(*std::move(event));
      while (ring_.size() > capacity_) ring_.pop_front();
    }
  }
  if (dropped > 0) spdlog::warn("events: dropped {} unreadable line(s) of {}", dropped, path);
  path_ = path;
  // Start from a clean file holding just the ring: no torn tail to append to.
  return CompactLocked();
}

absl::Status EventLog::CompactLocked() {
  std::string content;
  for (const EventRecord& event : ring_) absl::StrAppend(&content, EncodeEventLine(event), "\n");
  BERTH_RETURN_IF_ERROR(fs::WriteFileAtomically(path_, content, 0600));
  journal_.reset(open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC));
  if (!journal_.valid()) return ErrnoToStatus(errno, absl::StrCat("open ", path_));
  journal_lines_ = ring_.size();
  return absl::OkStatus();
}

void EventLog::Emit(EventRecord event) {
  absl::MutexLock lock(&mu_);
  event.time_unix_nano = absl::GetCurrentTimeNanos();
  event.sequence = next_sequence_++;
  ring_.push_back(event);
  while (ring_.size() > capacity_) ring_.pop_front();
  if (!journal_.valid()) return;
  // One write per line: a crash tears at most the line being written.
  std::string line = absl::StrCat(EncodeEventLine(event), "\n");
  if (write(journal_.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
    spdlog::warn("events: cannot append to {}: {}", path_, std::strerror(errno));
    return;
  }
  if (++journal_lines_ >= 2 * capacity_) {
    if (absl::Status s = CompactLocked(); !s.ok()) {
      spdlog::warn("events: cannot compact {}: {}", path_, s.ToString());
    }
  }
}

void EventLog::Stream(int64_t since_unix_nano, int64_t until_unix_nano,
                      const std::function<bool(const EventRecord&)>& sink,
                      const std::function<bool()>& cancelled) {
  auto in_window = [&](const EventRecord& e) {
    return until_unix_nano <= 0 || e.time_unix_nano <= until_unix_nano;
  };
  auto until_passed = [&] {
    return until_unix_nano > 0 && absl::GetCurrentTimeNanos() > until_unix_nano;
  };
  uint64_t seen = 0;
  std::vector<EventRecord> batch;
  {
    absl::MutexLock lock(&mu_);
    seen = next_sequence_ - 1;
    if (since_unix_nano > 0) {
      for (const auto& e : ring_) {
        if (e.time_unix_nano > since_unix_nano && in_window(e)) batch.push_back(e);
      }
    }
  }
  for (const auto& e : batch) {
    if (!sink(e)) return;
  }
  while (!cancelled() && !until_passed()) {
    batch.clear();
    {
      absl::MutexLock lock(&mu_);
      auto newer = [this, &seen]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return next_sequence_ - 1 > seen;
      };
      mu_.AwaitWithTimeout(absl::Condition(&newer), absl::Milliseconds(200));
      for (const auto& e : ring_) {
        if (e.sequence > seen && in_window(e)) batch.push_back(e);
      }
      seen = next_sequence_ - 1;
    }
    for (const auto& e : batch) {
      if (!sink(e)) return;
    }
  }
}

}  // namespace berth::events
