// ContainerManager: start, stop, kill, wait, resize, and learning about exits
// (watchers on the shims' exit watches, recovery after a restart).
#include <csignal>
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/fs/fs.h"
#include "common/status/start_exit_code.h"
#include "common/status/status.h"
#include "services/runtimed/container_manager.h"
#include "services/runtimed/container_state.h"
#include "services/runtimed/health/health_state.h"
#include "services/runtimed/launch_files.h"
#include "services/runtimed/signal_names.h"
#include "services/runtimed/spec/spec_builder.h"
#include "spdlog/spdlog.h"
#include "common/time/proto_time.h"

namespace berth::runtimed {
namespace {

}  // namespace

absl::Status ContainerManager::WriteContainerFiles(const v1::Container& record,
                                                   const StartRequest& request) {
  return WriteLaunchFiles(record, request.hosts, request.resolv_conf, paths_, config_.host,
                          seccomp_cache_)
      .status();
}

void ContainerManager::ConnectAttaches(const std::string& id,
                                       std::vector<std::shared_ptr<AttachSession>> sessions) {
  for (auto& session : sessions) {
    absl::Status status = session->Connect(*shims_);
    if (!status.ok()) {
      spdlog::warn("container={} attach lost: {}", id.substr(0, 12), status.ToString());
      session->End();
    }
  }
}

absl::StatusOr<pid_t> ContainerManager::LaunchAndRelease(
    const v1::Container& record, const StartRequest& request,
    std::unique_ptr<ExitWatch>* watch) {
  const std::string& id = record.id();
  BERTH_RETURN_IF_ERROR(WriteContainerFiles(record, request));
  absl::StatusOr<pid_t> created = shims_->Launch(id, paths_.ShimConfigFile(id));
  if (absl::IsDeadlineExceeded(created.status())) {
    (void)shims_->Kill(id, SIGKILL);  // a stuck setup must not linger
  }
  BERTH_RETURN_IF_ERROR(created.status());
  // The waiter is in place before the process runs, so no exit is missed.
  absl::StatusOr<std::unique_ptr<ExitWatch>> watching = shims_->Watch(id);
  if (!watching.ok()) {
    (void)shims_->Kill(id, SIGKILL);
    return watching.status();
  }
  std::vector<std::shared_ptr<AttachSession>> sessions;
  {
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(id);
    if (it != entries_.end()) sessions.swap(it->second->pending_attaches);
  }
  // Attaches registered before start are connected before the process is
  // released, so they see all of its output and their stdin comes first.
  ConnectAttaches(id, std::move(sessions));
  BERTH_ASSIGN_OR_RETURN(pid_t pid, shims_->Start(id));
  *watch = std::move(*watching);
  return pid;
}

absl::StatusOr<StartResult> ContainerManager::StartContainer(const StartRequest& request) {
  v1::Container record;
  {
    absl::MutexLock lock(&mu_);
    BERTH_ASSIGN_OR_RETURN(Entry * entry, Resolve(request.container));
    if (entry->record.state().status() == v1::CONTAINER_STATUS_PAUSED) {
      return absl::FailedPreconditionError("cannot start a paused container, try unpause instead");
    }
    if (IsRunning(entry->record.state().status())) return StartResult{true, entry->record};
    // A concurrent start gets its own code (ABORTED): its caller must leave
    // the network and files of the start in progress alone.
    if (entry->starting) {
      return absl::AbortedError(
          absl::StrCat("container ", entry->record.id(), " is already starting"));
    }
    if (entry->removing) {
      return absl::FailedPreconditionError(
          absl::StrCat("container ", entry->record.id(), " is being removed"));
    }
    if (!CanStart(entry->record.state().status())) {
      return absl::FailedPreconditionError(absl::StrCat(
          "cannot start container ", entry->record.id(), " in state ",
          StatusName(entry->record.state().status())));
    }
    entry->starting = true;
    // A user start resets the restart policy (dockerd's ResetRestartManager).
    entry->restart_cancelled = false;
    entry->restart_delay = absl::ZeroDuration();
    entry->record.set_restart_count(0);
    entry->record.set_manually_stopped(false);
    record = entry->record;
  }
  return LaunchMarkedStarting(std::move(record), request);
}

absl::StatusOr<StartResult> ContainerManager::LaunchMarkedStarting(v1::Container record,
                                                                   const StartRequest& request) {
  const std::string id = record.id();
  *record.mutable_network() = request.network;
  std::unique_ptr<ExitWatch> watch;
  absl::StatusOr<pid_t> pid = LaunchAndRelease(record, request, &watch);
  if (!pid.ok()) {
    spdlog::warn("container={} start failed: {}", id.substr(0, 12), pid.status().ToString());
    if (metrics_ != nullptr) metrics_->starts_error.Increment();
    RecordStartFailure(id, pid.status());
    return pid.status();
  }
  std::vector<std::shared_ptr<AttachSession>> late;
  bool shutting_down = false;
  {
    absl::MutexLock lock(&mu_);
    shutting_down = shutting_down_;
    Entry& entry = *entries_.at(id);  // removal waits while `starting`
    entry.starting = false;
    v1::ContainerState* state = entry.record.mutable_state();
    state->set_status(v1::CONTAINER_STATUS_RUNNING);
    state->set_pid(*pid);
    state->set_exit_code(0);
    state->clear_error();
    state->set_oom_killed(false);
    *state->mutable_started_at() = ToTimestamp(clock_->Now());
    state->clear_finished_at();
    *entry.record.mutable_network() = request.network;
    entry.record.set_hostname_path(paths_.HostnameFile(id));
    entry.record.set_hosts_path(paths_.HostsFile(id));
    entry.record.set_resolv_conf_path(paths_.ResolvConfFile(id));
    if (health::Enabled(entry.record.config().healthcheck())) {
      health::Reset(entry.record.mutable_health());
    }
    absl::Status saved = Save(entry.record);
    if (!saved.ok()) spdlog::error("container={} {}", id.substr(0, 12), saved.ToString());
    late.swap(entry.pending_attaches);
    record = entry.record;
    UpdateGauges();
  }
  ConnectAttaches(id, std::move(late));
  // Shutting down (a policy restart that finished late): the record says
  // running, and the next runtimed adopts the shim.
  if (!shutting_down) StartWatcher(id, std::move(watch));
  if (metrics_ != nullptr) metrics_->starts_ok.Increment();
  spdlog::info("container={} started pid={}", id.substr(0, 12), *pid);
  EmitVolumeMounts(record);
  Emit(record, "start");
  return StartResult{false, record};
}

void ContainerManager::RecordStartFailure(const std::string& id, const absl::Status& error) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  Entry& entry = *it->second;
  entry.starting = false;
  // Like Docker: the container keeps its state (created) with State.Error;
  // a failed policy restart ends the policy (dockerd gives up too).
  if (entry.record.state().status() == v1::CONTAINER_STATUS_RESTARTING) {
    entry.record.mutable_state()->set_status(v1::CONTAINER_STATUS_EXITED);
    UpdateGauges();
  }
  entry.record.mutable_state()->set_error(std::string(error.message()));
  entry.record.mutable_state()->set_exit_code(StartFailureExitCode(error.message()));
  absl::Status saved = Save(entry.record);
  if (!saved.ok()) spdlog::error("container={} {}", id.substr(0, 12), saved.ToString());
  for (auto& session : entry.pending_attaches) session->End();
  entry.pending_attaches.clear();
  (void)fs::RemoveTree(paths_.ShimDir(id));
  entry.exits++;  // wakes next-exit waiters with the failure
  if (entry.record.config().auto_remove()) (void)RemoveLocked(id);
}

void ContainerManager::StartWatcher(const std::string& id, std::shared_ptr<ExitWatch> watch) {
  absl::MutexLock lock(&watchers_mu_);
  for (auto it = watchers_.begin(); it != watchers_.end();) {
    if ((*it)->done) {
      (*it)->thread.join();
      it = watchers_.erase(it);
    } else {
      ++it;
    }
  }
  auto watcher = std::make_unique<Watcher>();
  Watcher* w = watcher.get();
  w->watch = watch;
  w->thread = std::thread([this, id, watch, w] {
    WatchExit(id, *watch);
    w->done = true;
  });
  watchers_.push_back(std::move(watcher));
}

void ContainerManager::WatchExit(const std::string& id, ExitWatch& watch) {
  absl::StatusOr<spec::ExitRecord> exit = watch.Wait();
  {
    absl::MutexLock lock(&mu_);
    if (shutting_down_) return;  // the container lives on; the next runtimed adopts it
  }
  if (exit.ok()) {
    HandleExit(id, *exit);
    return;
  }
  spdlog::warn("container={} lost its shim ({}); using its recorded exit", id.substr(0, 12),
               exit.status().ToString());
  HandleExit(id, RecordedExitOr255(id));
}

spec::ExitRecord ContainerManager::RecordedExitOr255(const std::string& id) {
  absl::StatusOr<spec::ExitRecord> exit = shims_->RecordedExit(id);
  if (exit.ok()) return *exit;
  return spec::ExitRecord{255, absl::ToUnixNanos(clock_->Now()), false};
}

void ContainerManager::HandleExit(const std::string& id, const spec::ExitRecord& exit) {
  absl::MutexLock lock(&mu_);
  if (shutting_down_) return;
  auto it = entries_.find(id);
  if (it == entries_.end() || !IsRunning(it->second->record.state().status())) return;
  SettleExitLocked(*it->second, exit);
}

void ContainerManager::SettleExitLocked(Entry& entry, const spec::ExitRecord& exit) {
  const std::string id = entry.record.id();
  const int exit_code = exit.exit_code;
  v1::ContainerState* state = entry.record.mutable_state();
  state->set_exit_code(exit_code);
  state->set_pid(0);
  state->set_oom_killed(exit.oom_killed);
  *state->mutable_finished_at() = google::protobuf::util::TimeUtil::NanosecondsToTimestamp(exit.finished_unix_nano);
  const absl::Duration ran_for =
      absl::FromUnixNanos(exit.finished_unix_nano) - FromTimestamp(state->started_at());
  // As dockerd: the container is "restarting" (and counted) from its exit
  // until the policy's start, and waiters for its exit wake now.
  const bool restart = WantsRestartLocked(entry, ran_for);
  state->set_status(restart ? v1::CONTAINER_STATUS_RESTARTING : v1::CONTAINER_STATUS_EXITED);
  absl::Status saved = Save(entry.record);
  if (!saved.ok()) spdlog::error("container={} {}", id.substr(0, 12), saved.ToString());
  entry.exits++;
  (void)fs::RemoveTree(paths_.ShimDir(id));
  if (metrics_ != nullptr) metrics_->exits.Increment();
  UpdateGauges();
  spdlog::info("container={} exited code={}", id.substr(0, 12), exit_code);
  // Docker reports the kill before the exit it caused.
  if (exit.oom_killed) {
    if (metrics_ != nullptr) metrics_->oom_kills.Increment();
    Emit(entry.record, "oom");
  }
  Emit(entry.record, "die", {{"exitCode", absl::StrCat(exit_code)}});
  if (restart) {
    ScheduleRestart(id, entry.restart_generation, entry.restart_delay);
    return;
  }
  if (entry.record.config().auto_remove() && !entry.removing) {
    absl::Status removed = RemoveLocked(id);  // `entry` is gone after this
    if (!removed.ok()) spdlog::error("container={} auto-remove: {}", id.substr(0, 12),
                                     removed.ToString());
  }
}

void ContainerManager::RecoverRunning(Entry& entry) {
  const std::string id = entry.record.id();
  if (entry.record.state().status() == v1::CONTAINER_STATUS_RESTARTING) {
    RecoverRestarting(entry);
    return;
  }
  absl::StatusOr<std::unique_ptr<ExitWatch>> watch = shims_->Watch(id);
  if (watch.ok()) {
    spdlog::info("container={} shim adopted", id.substr(0, 12));
    if (metrics_ != nullptr) metrics_->shim_reconnects.Increment();
    StartWatcher(id, std::move(*watch));
    return;
  }
  // The shim is gone: it exited (and recorded the exit) while we were away.
  SettleExitLocked(entry, RecordedExitOr255(id));
}

}  // namespace berth::runtimed
