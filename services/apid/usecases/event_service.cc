#include "services/apid/usecases/event_service.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/time/proto_time.h"

namespace berth::apid {
namespace {

// dockerd's event filter keys. Swarm's (config, node, secret, service) and
// plugin are accepted and match nothing here, as on a non-swarm dockerd.
constexpr const char* kFilterKeys[] = {"config",  "container", "daemon", "event", "image",
                                       "label",   "network",   "node",   "plugin", "scope",
                                       "secret",  "service",   "type",   "volume"};

int64_t TimeOf(const v1::Event& e) {
  return google::protobuf::util::TimeUtil::TimestampToNanoseconds(e.time());
}

std::string Attribute(const v1::Event& e, const std::string& key) {
  auto it = e.attributes().find(key);
  return it == e.attributes().end() ? "" : it->second;
}

// "busybox" names "busybox:latest" too.
bool SameImage(const std::string& a, const std::string& b) {
  if (a.empty() || b.empty()) return false;
  return a == b || a + ":latest" == b || a == b + ":latest";
}

bool MatchesValue(const v1::Event& e, const std::string& key, const std::string& value) {
  if (key == "type") return e.type() == value;
  if (key == "event") return e.action() == value || absl::StartsWith(e.action(), value + ":");
  if (key == "container") {
    return e.type() == "container" &&
           (absl::StartsWith(e.id(), value) || Attribute(e, "name") == value);
  }
  if (key == "image") {
    if (e.type() == "container") return SameImage(Attribute(e, "image"), value);
    return e.type() == "image" && (SameImage(e.id(), value) || SameImage(Attribute(e, "name"), value));
  }
  if (key == "label") {
    size_t eq = value.find('=');
    if (eq == std::string::npos) return e.attributes().contains(value);
    return Attribute(e, value.substr(0, eq)) == value.substr(eq + 1) &&
           e.attributes().contains(value.substr(0, eq));
  }
  if (key == "network") {
    return e.type() == "network" &&
           (absl::StartsWith(e.id(), value) || Attribute(e, "name") == value);
  }
  if (key == "volume") return e.type() == "volume" && e.id() == value;
  if (key == "scope") return value == "local";
  return false;  // daemon, swarm and plugin keys: no such events here
}

// One backend stream read on its own thread into a shared queue.
struct Pump {
  std::unique_ptr<EventStream> stream;
  std::thread thread;
  bool done = false;
  absl::Status status;
};

}  // namespace

absl::Status ValidateEventFilters(const EventFilters& filters) {
  for (const auto& [key, values] : filters) {
    if (std::find_if(std::begin(kFilterKeys), std::end(kFilterKeys),
                     [&](const char* k) { return key == k; }) == std::end(kFilterKeys)) {
      return absl::InvalidArgumentError(absl::StrCat("invalid filter '", key, "'"));
    }
  }
  return absl::OkStatus();
}

bool EventMatches(const v1::Event& event, const EventFilters& filters) {
  for (const auto& [key, values] : filters) {
    if (values.empty()) continue;
    if (std::none_of(values.begin(), values.end(),
                     [&](const std::string& v) { return MatchesValue(event, key, v); })) {
      return false;
    }
  }
  return true;
}

EventService::EventService(RuntimedClient& runtimed, ImagedClient& imaged,
                           std::function<int64_t()> now, NetdClient* netd)
    : runtimed_(runtimed), imaged_(imaged), netd_(netd), now_(std::move(now)) {}

int64_t EventService::Now() const { return now_ ? now_() : absl::GetCurrentTimeNanos(); }

std::vector<std::unique_ptr<EventStream>> EventService::Open(int64_t since, int64_t until) {
  v1::EventsRequest request;
  request.set_since_unix_nano(since);
  request.set_until_unix_nano(until);
  std::vector<std::unique_ptr<EventStream>> streams;
  streams.push_back(runtimed_.Events(request));
  streams.push_back(imaged_.Events(request));
  if (netd_ != nullptr) streams.push_back(netd_->Events(request));
  return streams;
}

absl::Status EventService::Stream(const EventQuery& query,
                                  const std::function<bool(const v1::Event&)>& sink,
                                  const std::function<bool()>& cancelled) {
  const int64_t cut = Now();
  const int64_t until = query.until_unix_nano;
  auto send = [&](const v1::Event& e) { return !EventMatches(e, query.filters) || sink(e); };

  if (query.since_unix_nano > 0 && query.since_unix_nano < cut) {
    // The kept events up to the cut: every stream ends by itself.
    std::vector<v1::Event> backlog;
    for (auto& stream : Open(query.since_unix_nano, until > 0 ? std::min(until, cut) : cut)) {
      v1::Event e;
      while (stream->Read(&e)) backlog.push_back(e);
      if (absl::Status s = stream->Finish(); !s.ok()) return s;
    }
    std::stable_sort(backlog.begin(), backlog.end(),
                     [](const auto& a, const auto& b) { return TimeOf(a) < TimeOf(b); });
    for (const v1::Event& e : backlog) {
      if (!send(e)) return absl::OkStatus();
    }
  }
  if (until > 0 && until <= cut) return absl::OkStatus();

  // Follow every service from the cut on.
  std::mutex mu;
  std::condition_variable changed;
  std::deque<v1::Event> queue;
  std::vector<std::unique_ptr<Pump>> pumps;
  for (auto& stream : Open(query.since_unix_nano > 0 ? cut : 0, until)) {
    auto pump = std::make_unique<Pump>();
    pump->stream = std::move(stream);
    Pump* p = pump.get();
    p->thread = std::thread([p, &mu, &changed, &queue] {
      v1::Event e;
      while (p->stream->Read(&e)) {
        std::lock_guard lock(mu);
        queue.push_back(e);
        changed.notify_all();
      }
      absl::Status s = p->stream->Finish();
      std::lock_guard lock(mu);
      p->done = true;
      p->status = s;
      changed.notify_all();
    });
    pumps.push_back(std::move(pump));
  }
  absl::Status result;
  for (;;) {
    std::optional<v1::Event> next;
    {
      std::unique_lock lock(mu);
      changed.wait_for(lock, std::chrono::milliseconds(200), [&] {
        return !queue.empty() ||
               std::any_of(pumps.begin(), pumps.end(), [](const auto& p) { return p->done; });
      });
      if (!queue.empty()) {
        next = std::move(queue.front());
        queue.pop_front();
      } else {
        auto failed = std::find_if(pumps.begin(), pumps.end(), [](const auto& p) {
          return p->done && !p->status.ok();
        });
        if (failed != pumps.end()) {
          result = (*failed)->status;
          break;
        }
        if (std::all_of(pumps.begin(), pumps.end(), [](const auto& p) { return p->done; })) {
          break;  // every stream reached `until`
        }
      }
    }
    if (next.has_value() && !send(*next)) break;
    if (cancelled()) break;
  }
  for (auto& p : pumps) p->stream->Cancel();
  for (auto& p : pumps) p->thread.join();
  return result;
}

}  // namespace berth::apid
