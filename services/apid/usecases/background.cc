#include "services/apid/usecases/background.h"

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "spdlog/spdlog.h"
#include "common/time/proto_time.h"

namespace berth::apid {

BackgroundTasks::BackgroundTasks(ContainerService& containers, RuntimedClient& runtimed,
                                 std::chrono::milliseconds reconcile_interval)
    : containers_(containers), runtimed_(runtimed), reconcile_interval_(reconcile_interval) {}

BackgroundTasks::~BackgroundTasks() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
    if (current_ != nullptr) current_->Cancel();
  }
  if (events_thread_.joinable()) events_thread_.join();
  if (reconcile_thread_.joinable()) reconcile_thread_.join();
}

void BackgroundTasks::Start() {
  events_thread_ = std::thread([this] { FollowEvents(); });
  reconcile_thread_ = std::thread([this] { ReconcileLoop(); });
}

bool BackgroundTasks::WaitForStop(std::chrono::milliseconds d) {
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithTimeout(absl::Condition(&stop_), absl::Milliseconds(d.count()));
}

void BackgroundTasks::FollowEvents() {
  // Resume after the last event seen so a runtimed restart loses nothing;
  // runtimed replays its persisted ring from there. What happened before apid
  // started is Reconcile()'s job. Events are posted into their container's
  // turn: handled in order per container, never inside a workflow.
  int64_t since_ns = absl::ToUnixNanos(absl::Now());
  bool was_connected = true;
  while (true) {
    v1::EventsRequest request;
    request.set_since_unix_nano(since_ns);
    std::unique_ptr<EventStream> stream = runtimed_.Events(request);
    {
      absl::MutexLock lock(&mu_);
      if (stop_) return;
      current_ = stream.get();
    }
    v1::Event event;
    bool got_any = false;
    while (stream->Read(&event)) {
      if (!got_any && !was_connected) spdlog::info("following runtimed events again");
      got_any = true;
      int64_t t = google::protobuf::util::TimeUtil::TimestampToNanoseconds(event.time());
      if (t > since_ns) since_ns = t;
      containers_.PostEvent(event);
    }
    {
      absl::MutexLock lock(&mu_);
      current_ = nullptr;
      if (stop_) return;
    }
    absl::Status status = stream->Finish();
    if (was_connected || got_any) {
      spdlog::warn("runtimed event stream ended ({}); reconnecting", status.ToString());
    }
    was_connected = got_any;
    if (WaitForStop(std::chrono::seconds(1))) return;
  }
}

void BackgroundTasks::ReconcileLoop() {
  // Once per apid start, as soon as runtimed answers: the containers a
  // restart policy wants running come back (dockerd's start does the same).
  bool policy_starts_done = false;
  do {
    absl::Status status = containers_.Reconcile();
    if (!status.ok()) spdlog::debug("reconcile skipped or incomplete: {}", status.ToString());
    if (!policy_starts_done) {
      absl::Status started = containers_.StartPolicyContainers();
      policy_starts_done = started.ok();
      if (!started.ok()) spdlog::debug("restart-policy starts postponed: {}", started.ToString());
    }
  } while (!WaitForStop(policy_starts_done ? reconcile_interval_ : std::chrono::milliseconds(1000)));
}

}  // namespace berth::apid
