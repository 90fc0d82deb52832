// ContainerManager: restart policies (docs/design/runtimed.md, "Restart
// policies"). runtimed alone applies them, without apid: at an exit the
// policy decides, the container is "restarting" for the backoff, then its
// process starts again in the same network namespace and rootfs, so its
// endpoint stays attached throughout.
#include <sys/statfs.h>

#include <csignal>

#include "absl/strings/str_cat.h"
#include "common/fs/fs.h"
#include "common/lifecycle/restart_policy.h"
#include "services/runtimed/container_manager.h"
#include "services/runtimed/container_state.h"
#include "services/runtimed/health/health_state.h"
#include "spdlog/spdlog.h"
#include "common/time/proto_time.h"

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

namespace berth::runtimed {
namespace {

// A namespace bound to a file is an nsfs mount there; after the mount is
// gone (netd detached, or the stack's mounts were cleaned) the file is plain.
bool IsNetnsMount(const std::string& path) {
  struct statfs fs_info;
  if (statfs(path.c_str(), &fs_info) != 0) return false;
  return static_cast<uint64_t>(fs_info.f_type) == static_cast<uint64_t>(NSFS_MAGIC);
}

std::string ReadOrEmpty(const std::string& path) {
  absl::StatusOr<std::string> content = fs::ReadFile(path);
  return content.ok() ? *content : std::string();
}

}  // namespace

bool ContainerManager::NetnsPresent(const v1::Container& record) const {
  const std::string& path = record.network().sandbox_key();
  if (path.empty()) return true;  // the shim makes a fresh one
  return config_.netns_present ? config_.netns_present(path) : IsNetnsMount(path);
}

bool ContainerManager::WantsRestartLocked(Entry& entry, absl::Duration ran_for) {
  const v1::Container& record = entry.record;
  const v1::RestartPolicy& policy = record.config().restart_policy();
  if (entry.restart_cancelled || entry.removing || shutting_down_) return false;
  lifecycle::ExitFacts facts{record.state().exit_code(), record.manually_stopped(),
                             record.restart_count()};
  if (!lifecycle::ShouldRestart(policy.name(), policy.maximum_retry_count(), facts)) return false;
  if (!NetnsPresent(record)) {
    spdlog::info("container={} not restarted in place: its network namespace is gone (apid "
                 "starts it with a new one at the stack's start)",
                 record.id().substr(0, 12));
    return false;
  }
  entry.restart_delay = lifecycle::NextRestartDelay(entry.restart_delay, ran_for);
  entry.record.set_restart_count(record.restart_count() + 1);
  return true;
}

void ContainerManager::ScheduleRestart(const std::string& id, uint64_t generation,
                                       absl::Duration delay) {
  spdlog::info("container={} restarting in {}", id.substr(0, 12), absl::FormatDuration(delay));
  absl::MutexLock lock(&restarters_mu_);
  for (auto it = restarters_.begin(); it != restarters_.end();) {
    if ((*it)->done) {
      (*it)->thread.join();
      it = restarters_.erase(it);
    } else {
      ++it;
    }
  }
  auto restarter = std::make_unique<Restarter>();
  Restarter* r = restarter.get();
  r->thread = std::thread([this, id, generation, delay, r] {
    RestartAfter(id, generation, delay);
    r->done = true;
  });
  restarters_.push_back(std::move(restarter));
}

void ContainerManager::RestartAfter(const std::string& id, uint64_t generation,
                                    absl::Duration delay) {
  v1::Container record;
  {
    absl::MutexLock lock(&mu_);
    auto called_off = [this, &id, generation]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      if (shutting_down_) return true;
      auto it = entries_.find(id);
      return it == entries_.end() || it->second->restart_generation != generation ||
             it->second->removing ||
             it->second->record.state().status() != v1::CONTAINER_STATUS_RESTARTING;
    };
    clock_->AwaitWithTimeout(mu_, absl::Condition(&called_off), delay);
    // Shutting down: the record stays "restarting" and the next runtimed
    // restarts it (Recover).
    if (called_off()) return;
    Entry& entry = *entries_.at(id);
    entry.starting = true;
    record = entry.record;
  }
  StartRequest request;
  request.container = id;
  request.network = record.network();
  // The files netd's content was written to at the user's start.
  request.resolv_conf = ReadOrEmpty(paths_.ResolvConfFile(id));
  request.hosts = ReadOrEmpty(paths_.HostsFile(id));
  if (metrics_ != nullptr) metrics_->restarts.Increment();
  absl::StatusOr<StartResult> started = LaunchMarkedStarting(std::move(record), request);
  if (!started.ok()) {
    spdlog::warn("container={} restart by policy failed; giving up: {}", id.substr(0, 12),
                 started.status().ToString());
  }
}

void ContainerManager::RecoverRestarting(Entry& entry) {
  const std::string id = entry.record.id();
  if (shims_->Kill(id, SIGKILL).ok()) {
    spdlog::warn("container={} killed the shim of a restart cut short", id.substr(0, 12));
  }
  if (!NetnsPresent(entry.record)) {
    spdlog::info("container={} not restarted in place: its network namespace is gone",
                 id.substr(0, 12));
    entry.record.mutable_state()->set_status(v1::CONTAINER_STATUS_EXITED);
    absl::Status saved = Save(entry.record);
    if (!saved.ok()) spdlog::error("container={} {}", id.substr(0, 12), saved.ToString());
    return;
  }
  entry.restart_delay = lifecycle::kFirstRestartDelay;
  ScheduleRestart(id, entry.restart_generation, entry.restart_delay);
}

ContainerManager::Entry* ContainerManager::CancelRestartPolicyLocked(const std::string& id) {
  auto settled = [this, &id]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    auto it = entries_.find(id);
    return it == entries_.end() || !it->second->starting;
  };
  // A policy restart in flight finishes first, so what follows sees its
  // process (bounded by the shim's own readiness timeout).
  mu_.Await(absl::Condition(&settled));
  auto it = entries_.find(id);
  if (it == entries_.end()) return nullptr;
  Entry& entry = *it->second;
  entry.restart_cancelled = true;
  entry.restart_generation++;
  entry.record.set_manually_stopped(true);
  if (entry.record.state().status() == v1::CONTAINER_STATUS_RESTARTING) {
    entry.record.mutable_state()->set_status(v1::CONTAINER_STATUS_EXITED);
    UpdateGauges();
    spdlog::info("container={} pending restart called off", id.substr(0, 12));
  }
  absl::Status saved = Save(entry.record);
  if (!saved.ok()) spdlog::error("container={} {}", id.substr(0, 12), saved.ToString());
  return &entry;
}

absl::StatusOr<v1::ContainerHealth> ContainerManager::RecordHealthProbe(
    const std::string& id, int64_t started_unix_nano, const v1::HealthLogEntry& probe) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return absl::NotFoundError(absl::StrCat("No such container: ", id));
  v1::Container& record = it->second->record;
  const auto& started = record.state().started_at();
  if (record.state().status() != v1::CONTAINER_STATUS_RUNNING ||
      google::protobuf::util::TimeUtil::TimestampToNanoseconds(started) != started_unix_nano) {
    return absl::FailedPreconditionError(
        absl::StrCat("container ", id, " is no longer in the run the probe was for"));
  }
  const absl::Duration since_start =
      FromTimestamp(probe.start()) - absl::FromUnixNanos(started_unix_nano);
  bool changed = health::ApplyProbe(record.mutable_health(), probe,
                                    health::EffectiveTimings(record.config().healthcheck()),
                                    since_start);
  absl::Status saved = Save(record);
  if (!saved.ok()) spdlog::error("container={} {}", id.substr(0, 12), saved.ToString());
  if (changed) {
    spdlog::info("container={} health: {}", id.substr(0, 12), record.health().status());
    Emit(record, "health_status: " + record.health().status());
  }
  return record.health();
}

}  // namespace berth::runtimed
