#include "services/runtimed/health/health_monitor.h"

#include <algorithm>
#include <csignal>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/runtimed/exec_manager.h"
#include "services/runtimed/health/health_state.h"
#include "spdlog/spdlog.h"
#include "common/time/proto_time.h"

namespace berth::runtimed::health {
namespace {

// How often a probe wait looks at its cancellation (real time; it changes
// no outcome, only how soon a stop is noticed).
constexpr absl::Duration kCancelPoll = absl::Milliseconds(200);

}  // namespace

ProbeResult ExecProbeRunner::Run(const std::string& container_id,
                                 const std::vector<std::string>& argv, absl::Duration timeout,
                                 const std::function<bool()>& cancelled) {
  v1::ExecConfig config;
  for (const std::string& arg : argv) config.add_cmd(arg);
  config.set_attach_stdout(true);
  config.set_attach_stderr(true);
  absl::StatusOr<v1::ExecInspect> exec = execs_.Create(container_id, config);
  if (!exec.ok()) return {-1, std::string(exec.status().message())};
  const std::string exec_id = exec->id();
  absl::StatusOr<std::shared_ptr<AttachSession>> session = execs_.Start(exec_id, true, 0, 0);
  if (!session.ok()) {
    absl::StatusOr<v1::ExecInspect> after = execs_.Inspect(exec_id);
    int code = after.ok() && after->exited() ? after->exit_code() : -1;
    return {code, std::string(session.status().message())};
  }
  // Output is read on its own thread so the timeout can be enforced here.
  std::string output;
  absl::Mutex output_mu;
  std::thread reader([&output, &output_mu, s = *session] {
    while (std::optional<OutputChunk> chunk = s->Read()) {
      absl::MutexLock lock(&output_mu);
      size_t room = kMaxOutputBytes - std::min(output.size(), kMaxOutputBytes);
      output.append(chunk->data, 0, std::min(room, chunk->data.size()));
    }
  });
  const absl::Time deadline = absl::Now() + timeout;
  bool exited = false;
  while (!exited && absl::Now() < deadline && !cancelled()) {
    exited = execs_.AwaitExit(exec_id, std::min(kCancelPoll, deadline - absl::Now()));
  }
  ProbeResult result;
  if (!exited) {
    (void)execs_.Kill(exec_id, SIGKILL);
    result.exit_code = -1;
    result.output = cancelled() ? "probe abandoned"
                                : absl::StrCat("Health check exceeded timeout (",
                                               absl::FormatDuration(timeout), ")");
    (*session)->Detach();
    reader.join();
    return result;
  }
  reader.join();  // the exit ends the output
  absl::StatusOr<v1::ExecInspect> after = execs_.Inspect(exec_id);
  result.exit_code = after.ok() ? after->exit_code() : -1;
  absl::MutexLock lock(&output_mu);
  result.output = std::move(output);
  return result;
}

HealthMonitor::HealthMonitor(ContainerManager& containers, ProbeRunner& probes,
                             std::shared_ptr<Clock> clock)
    : containers_(containers), probes_(probes), clock_(std::move(clock)) {}

HealthMonitor::~HealthMonitor() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
    for (auto& [id, loop] : active_) loop->cancelled = true;
  }
  if (follower_.joinable()) follower_.join();
  std::list<std::unique_ptr<Loop>> loops;
  {
    absl::MutexLock lock(&mu_);
    loops.swap(loops_);
    active_.clear();
  }
  for (auto& loop : loops) {
    if (loop->thread.joinable()) loop->thread.join();
  }
}

void HealthMonitor::Start() {
  // Events after this moment come from the stream (it replays kept events
  // after `since`), so a start between the listing and the subscription is
  // not missed; Watch() is idempotent per run.
  const int64_t since = absl::ToUnixNanos(absl::Now()) - 1;
  for (const v1::Container& c : containers_.ListContainers(false)) Watch(c.id());
  follower_ = std::thread([this, since] { Follow(since); });
}

void HealthMonitor::Follow(int64_t since_unix_nano) {
  containers_.events().Stream(
      since_unix_nano, 0,
      [this](const EventRecord& event) {
        if (event.type != "container") return true;
        if (event.action == "start") {
          Watch(event.id);
        } else if (event.action == "die" || event.action == "destroy") {
          Unwatch(event.id);
        }
        return true;
      },
      [this] {
        absl::MutexLock lock(&mu_);
        return stop_;
      });
}

void HealthMonitor::Watch(const std::string& id) {
  absl::StatusOr<v1::Container> record = containers_.InspectContainer(id);
  if (!record.ok() || record->state().status() != v1::CONTAINER_STATUS_RUNNING) return;
  if (!Enabled(record->config().healthcheck())) return;
  const int64_t started = google::protobuf::util::TimeUtil::TimestampToNanoseconds(record->state().started_at());
  absl::MutexLock lock(&mu_);
  if (stop_) return;
  for (auto it = loops_.begin(); it != loops_.end();) {
    if ((*it)->done) {
      (*it)->thread.join();
      it = loops_.erase(it);
    } else {
      ++it;
    }
  }
  auto active = active_.find(id);
  if (active != active_.end()) {
    if (active->second->started_unix_nano == started) return;
    active->second->cancelled = true;  // a loop of an earlier run
  }
  auto loop = std::make_unique<Loop>();
  Loop* l = loop.get();
  l->id = id;
  l->started_unix_nano = started;
  active_[id] = l;
  l->thread = std::thread([this, l] {
    RunLoop(l);
    l->done = true;
  });
  loops_.push_back(std::move(loop));
}

void HealthMonitor::Unwatch(const std::string& id) {
  absl::MutexLock lock(&mu_);
  auto it = active_.find(id);
  if (it == active_.end()) return;
  it->second->cancelled = true;
  active_.erase(it);
}

void HealthMonitor::RunLoop(Loop* loop) {
  absl::StatusOr<v1::Container> record = containers_.InspectContainer(loop->id);
  if (!record.ok()) return;
  const v1::HealthConfig& config = record->config().healthcheck();
  const Timings timings = EffectiveTimings(config);
  absl::StatusOr<std::vector<std::string>> argv = ProbeCommand(config);
  if (!argv.ok()) return;
  const absl::Time started = absl::FromUnixNanos(loop->started_unix_nano);
  auto off = [this, loop]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stop_ || loop->cancelled;
  };
  absl::Duration wait = NextInterval(record->health(), timings, clock_->Now() - started);
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      clock_->AwaitWithTimeout(mu_, absl::Condition(&off), wait);
      if (off()) return;
    }
    v1::HealthLogEntry probe;
    const absl::Time start = clock_->Now();
    ProbeResult result = probes_.Run(loop->id, *argv, timings.timeout, [this, &off] {
      absl::MutexLock lock(&mu_);
      return off();
    });
    const absl::Time end = clock_->Now();
    {
      absl::MutexLock lock(&mu_);
      if (off()) return;
    }
    *probe.mutable_start() = ToTimestamp(start);
    *probe.mutable_end() = ToTimestamp(end);
    probe.set_exit_code(result.exit_code);
    probe.set_output(std::move(result.output));
    absl::StatusOr<v1::ContainerHealth> health =
        containers_.RecordHealthProbe(loop->id, loop->started_unix_nano, probe);
    if (!health.ok()) return;  // that run is over
    wait = NextInterval(*health, timings, end - started);
  }
}

}  // namespace berth::runtimed::health
