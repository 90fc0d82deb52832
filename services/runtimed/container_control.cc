// ContainerManager: stop, kill, wait and resize.
#include <csignal>

#include "absl/strings/str_cat.h"
#include "common/lifecycle/restart_policy.h"
#include "common/status/status.h"
#include "services/runtimed/cgroups/cgroup_manager.h"
#include "services/runtimed/container_manager.h"
#include "services/runtimed/container_state.h"
#include "services/runtimed/signal_names.h"
#include "spdlog/spdlog.h"

namespace berth::runtimed {
namespace {

constexpr int kDefaultStopTimeoutSeconds = 10;

absl::Status NotRunning(const std::string& id) {
  return absl::FailedPreconditionError(absl::StrCat("Container ", id, " is not running"));
}

}  // namespace

bool ContainerManager::AwaitExit(const std::string& id, uint64_t exits, absl::Duration timeout) {
  auto exited = [this, &id, exits]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    auto it = entries_.find(id);
    return it == entries_.end() || it->second->exits > exits;
  };
  return clock_->AwaitWithTimeout(mu_, absl::Condition(&exited), timeout);
}

absl::Status ContainerManager::SignalShim(const std::string& id, int signal) {
  absl::Status sent = shims_->Kill(id, signal);
  if (absl::IsUnavailable(sent)) return NotRunning(id);  // the shim is gone
  return sent;
}

absl::StatusOr<bool> ContainerManager::StopContainer(const std::string& ref, int timeout_seconds,
                                                     const std::string& signal) {
  absl::MutexLock lock(&mu_);
  BERTH_ASSIGN_OR_RETURN(Entry * entry, Resolve(ref));
  if (!IsRunning(entry->record.state().status())) return true;
  entry = CancelRestartPolicyLocked(entry->record.id());
  if (entry == nullptr) return true;
  if (!IsRunning(entry->record.state().status())) {  // it was waiting to restart
    Emit(entry->record, "stop");
    return false;
  }
  const v1::ContainerConfig& config = entry->record.config();
  std::string name = !signal.empty() ? signal : config.stop_signal();
  int signo = SIGTERM;
  if (!name.empty()) {
    BERTH_ASSIGN_OR_RETURN(signo, ParseSignal(name));
  }
  if (timeout_seconds < 0) {
    timeout_seconds = config.stop_timeout() > 0 ? config.stop_timeout() : kDefaultStopTimeoutSeconds;
  }
  const std::string id = entry->record.id();
  const uint64_t exits = entry->exits;

  const v1::Container stopped = entry->record;
  mu_.Unlock();
  absl::Status sent = SignalShim(id, signo);
  mu_.Lock();
  if (!sent.ok()) spdlog::warn("container={} stop signal: {}", id.substr(0, 12), sent.ToString());
  ThawAfterSignalLocked(id);
  if (AwaitExit(id, exits, absl::Seconds(timeout_seconds))) {
    Emit(stopped, "stop");
    return false;
  }

  spdlog::info("container={} did not stop in {}s; sending SIGKILL", id.substr(0, 12),
               timeout_seconds);
  mu_.Unlock();
  absl::Status killed = SignalShim(id, SIGKILL);
  mu_.Lock();
  if (AwaitExit(id, exits, absl::Seconds(30))) {
    Emit(stopped, "stop");
    return false;
  }
  return absl::InternalError(
      absl::StrCat("container ", id, " did not exit after SIGKILL: ", killed.ToString()));
}

absl::Status ContainerManager::KillContainer(const std::string& ref, const std::string& signal) {
  int signo = SIGKILL;
  if (!signal.empty()) {
    BERTH_ASSIGN_OR_RETURN(signo, ParseSignal(signal));
  }
  std::string id;
  v1::Container killed;
  {
    absl::MutexLock lock(&mu_);
    BERTH_ASSIGN_OR_RETURN(Entry * entry, Resolve(ref));
    id = entry->record.id();
    if (!IsRunning(entry->record.state().status())) return NotRunning(id);
    // As dockerd: SIGKILL or the stop signal ends the restart policy (the
    // process is meant to go); other signals are for the process to handle.
    int stop_signo = SIGTERM;
    if (!entry->record.config().stop_signal().empty()) {
      absl::StatusOr<int> parsed = ParseSignal(entry->record.config().stop_signal());
      if (parsed.ok()) stop_signo = *parsed;
    }
    if (signo == SIGKILL || signo == stop_signo) {
      entry = CancelRestartPolicyLocked(id);
      if (entry == nullptr) return NotRunning(id);
    }
    killed = entry->record;
    // A container waiting to restart has no process: calling the restart
    // off was the whole kill (dockerd does the same).
    if (entry->record.state().status() == v1::CONTAINER_STATUS_RESTARTING) return absl::OkStatus();
    if (!IsRunning(entry->record.state().status())) {
      Emit(killed, "kill", {{"signal", absl::StrCat(signo)}});
      return absl::OkStatus();
    }
  }
  BERTH_RETURN_IF_ERROR(SignalShim(id, signo));
  Emit(killed, "kill", {{"signal", absl::StrCat(signo)}});
  // dockerd's rule for a paused container: thaw it after SIGKILL or its
  // configured stop signal (after any signal when it has none configured).
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return absl::OkStatus();
  const std::string& stop_signal = it->second->record.config().stop_signal();
  absl::StatusOr<int> stop_signo = ParseSignal(stop_signal);
  if (stop_signal.empty() || signo == SIGKILL || (stop_signo.ok() && *stop_signo == signo)) {
    ThawAfterSignalLocked(id);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> ContainerManager::UpdateContainer(
    const std::string& ref, const v1::Resources& update, const v1::RestartPolicy* restart_policy) {
  absl::MutexLock lock(&mu_);
  BERTH_ASSIGN_OR_RETURN(Entry * entry, Resolve(ref));
  v1::Container record = entry->record;
  if (restart_policy != nullptr) {
    if (record.config().auto_remove() &&
        !lifecycle::IsNoRestartPolicy(restart_policy->name())) {
      return absl::InvalidArgumentError(
          "Restart policy cannot be updated because AutoRemove is enabled for the container");
    }
    BERTH_RETURN_IF_ERROR(lifecycle::ValidateRestartPolicy(
        restart_policy->name(), restart_policy->maximum_retry_count(), false));
    *record.mutable_config()->mutable_restart_policy() = *restart_policy;
  }
  const v1::Resources& before = record.config().resources();
  // A new --memory without --memory-swap keeps dockerd's default (as much
  // swap as memory) when the swap was the default before too.
  bool default_swap = update.memory() > 0 && update.memory_swap() == 0 &&
                      before.memory_swap() == 0;
  BERTH_ASSIGN_OR_RETURN(spec::ResolvedResources resolved,
                         spec::BuildResources(update, config_.host.resources, !default_swap));
  v1::Resources merged = before;
  merged.MergeFrom(update);  // proto3 scalars: only the set (non-zero) fields
  BERTH_RETURN_IF_ERROR(spec::BuildResources(merged, config_.host.resources).status());
  if (IsRunning(record.state().status()) && update.ByteSizeLong() > 0) {
    BERTH_ASSIGN_OR_RETURN(cgroups::Layout layout, cgroups::DetectHostLayout());
    auto cgroup = cgroups::NewCgroupManager(layout, "berth", record.id());
    BERTH_RETURN_IF_ERROR(Annotate(cgroup->ApplyLimits(resolved.limits),
                                   absl::StrCat("update container ", record.id().substr(0, 12))));
  }
  *record.mutable_config()->mutable_resources() = merged;
  BERTH_RETURN_IF_ERROR(Save(record));
  entry->record = std::move(record);
  return resolved.warnings;
}

absl::StatusOr<v1::Container> ContainerManager::SetContainerNetworks(
    const std::string& ref, const std::vector<v1::NetworkEndpointSettings>& networks) {
  absl::MutexLock lock(&mu_);
  BERTH_ASSIGN_OR_RETURN(Entry * entry, Resolve(ref));
  v1::Container record = entry->record;
  if (IsRunning(record.state().status()) || entry->starting) {
    return absl::FailedPreconditionError(absl::StrCat(
        "container ", record.id(), " is running: its networks change through netd"));
  }
  record.mutable_config()->clear_networks();
  for (const v1::NetworkEndpointSettings& n : networks) *record.mutable_config()->add_networks() = n;
  BERTH_RETURN_IF_ERROR(Save(record));
  entry->record = record;
  return record;
}

absl::Status ContainerManager::ResizeContainer(const std::string& ref, uint32_t height,
                                               uint32_t width) {
  std::string id;
  {
    absl::MutexLock lock(&mu_);
    BERTH_ASSIGN_OR_RETURN(Entry * entry, Resolve(ref));
    id = entry->record.id();
    if (!IsRunning(entry->record.state().status())) return NotRunning(id);
    if (!entry->record.config().tty()) return absl::OkStatus();
  }
  absl::Status resized = shims_->Resize(id, height, width);
  if (absl::IsUnavailable(resized)) return NotRunning(id);
  return resized;
}

absl::StatusOr<WaitResult> ContainerManager::WaitContainer(
    const std::string& ref, v1::WaitCondition condition, const std::function<void()>& registered,
    const Cancelled& cancelled) {
  std::string id;
  uint64_t exits = 0;
  {
    absl::MutexLock lock(&mu_);
    BERTH_ASSIGN_OR_RETURN(Entry * entry, Resolve(ref));
    id = entry->record.id();
    exits = entry->exits;
    bool running = IsRunning(entry->record.state().status()) || entry->starting;
    if (condition == v1::WAIT_CONDITION_NOT_RUNNING && !running) {
      WaitResult result{entry->record.state().exit_code(), entry->record.state().error()};
      mu_.Unlock();
      registered();
      mu_.Lock();
      return result;
    }
  }
  // The exit counter was read before `registered` goes out, so an exit that
  // happens in between is still seen.
  registered();
  absl::MutexLock lock(&mu_);
  while (true) {
    auto it = entries_.find(id);
    if (it == entries_.end()) {
      auto code = removed_exit_codes_.find(id);
      return WaitResult{code == removed_exit_codes_.end() ? 0 : code->second, ""};
    }
    const Entry& entry = *it->second;
    if (condition != v1::WAIT_CONDITION_REMOVED && entry.exits > exits) {
      return WaitResult{entry.record.state().exit_code(), entry.record.state().error()};
    }
    if (cancelled()) return absl::CancelledError("wait cancelled");
    auto changed = [this, &id, exits, condition]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      auto it = entries_.find(id);
      return it == entries_.end() ||
             (condition != v1::WAIT_CONDITION_REMOVED && it->second->exits > exits);
    };
    mu_.AwaitWithTimeout(absl::Condition(&changed), absl::Milliseconds(200));
  }
}

}  // namespace berth::runtimed
