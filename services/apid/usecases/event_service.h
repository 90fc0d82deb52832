#pragma once

// The use case behind `docker events` / `berth events`: one ordered stream
// merged from every service's own events (runtimed: containers, imaged:
// images, netd: networks), filtered as dockerd filters. Each service keeps its events on disk
// (common/events), so `since` reaches back across restarts.
//
// How the merge stays ordered without a gap or a duplicate: at a cut time T,
// each service is asked for its kept events in (since, T] — those streams end
// by themselves — and the union is sorted by time and sent; then each service
// is followed from T on (events with time > T), in arrival order.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "berth/v1/types.pb.h"
#include "services/apid/clients/clients.h"

namespace berth::apid {

// filter key → values; values of one key are OR-ed, keys AND-ed (dockerd).
using EventFilters = std::map<std::string, std::vector<std::string>>;

struct EventQuery {
  int64_t since_unix_nano = 0;  // 0: only events from now on
  int64_t until_unix_nano = 0;  // 0: follow until cancelled
  EventFilters filters;
};

// InvalidArgument "invalid filter 'x'" for keys dockerd does not know.
absl::Status ValidateEventFilters(const EventFilters& filters);

// True when the event passes every filter key.
bool EventMatches(const v1::Event& event, const EventFilters& filters);

class EventService {
 public:
  // The clients must outlive the service. `now` is injectable for tests.
  // `netd` (optional) adds the network events.
  EventService(RuntimedClient& runtimed, ImagedClient& imaged,
               std::function<int64_t()> now = nullptr, NetdClient* netd = nullptr);

  // Sends matching events in order until `until` passes (then OK), `sink`
  // returns false or `cancelled` returns true (checked every 200 ms; OK), or
  // a service's stream fails (its status: the stream cannot stay complete).
  absl::Status Stream(const EventQuery& query, const std::function<bool(const v1::Event&)>& sink,
                      const std::function<bool()>& cancelled);

 private:
  std::vector<std::unique_ptr<EventStream>> Open(int64_t since, int64_t until);
  int64_t Now() const;

  RuntimedClient& runtimed_;
  ImagedClient& imaged_;
  NetdClient* netd_;
  std::function<int64_t()> now_;
};

}  // namespace berth::apid
