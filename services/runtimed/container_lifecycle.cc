// ContainerManager: start, stop, kill, wait, resize, and learning about exits
// (watchers on the shims' WAIT connections, recovery after a restart).
#include <csignal>
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/fs/fs.h"
#include "common/status/start_exit_code.h"
#include "common/status/status.h"
#include "services/runtimed/container_manager.h"
#include "services/runtimed/container_state.h"
#include "services/runtimed/shim_client.h"
#include "services/runtimed/shim_launcher.h"
#include "services/runtimed/signal_names.h"
#include "services/runtimed/spec/spec_builder.h"
#include "spdlog/spdlog.h"

namespace berth::runtimed {
namespace {

void SetTime(google::protobuf::Timestamp* ts, int64_t unix_nano) {
  ts->set_seconds(unix_nano / 1000000000);
  ts->set_nanos(static_cast<int32_t>(unix_nano % 1000000000));
}

}  // namespace

absl::Status ContainerManager::WriteContainerFiles(const v1::Container& record,
                                                   const StartRequest& request) {
  const std::string& id = record.id();
  std::string hostname = spec::Hostname(record);
  BERTH_RETURN_IF_ERROR(fs::WriteFileAtomically(paths_.HostnameFile(id), hostname + "\n"));
  BERTH_RETURN_IF_ERROR(fs::WriteFileAtomically(
      paths_.HostsFile(id), request.hosts.empty() ? spec::DefaultHosts(hostname) : request.hosts));
  BERTH_RETURN_IF_ERROR(fs::WriteFileAtomically(
      paths_.ResolvConfFile(id),
      request.resolv_conf.empty() ? spec::DefaultResolvConf() : request.resolv_conf));
  BERTH_ASSIGN_OR_RETURN(spec::ShimConfig shim_config,
                         spec::BuildShimConfig(record, paths_, config_.host));
  BERTH_RETURN_IF_ERROR(
      fs::WriteFileAtomically(paths_.ShimConfigFile(id), spec::ToJson(shim_config), 0600));
  std::filesystem::remove(paths_.ExitFile(id));
  BERTH_RETURN_IF_ERROR(fs::MakeDirs(paths_.ShimDir(id), 0700));
  return fs::MakeDirs(std::filesystem::path(shim_config.socket_path).parent_path().string(),
                      0700);
}

void ContainerManager::ConnectAttaches(const std::string& id,
                                       std::vector<std::shared_ptr<AttachSession>> sessions) {
  for (auto& session : sessions) {
    absl::Status status = session->Connect(paths_.ShimSocket(id));
    if (!status.ok()) {
      spdlog::warn("container={} attach lost: {}", id.substr(0, 12), status.ToString());
      session->End();
    }
  }
}

absl::StatusOr<pid_t> ContainerManager::LaunchAndRelease(
    const v1::Container& record, const StartRequest& request,
    std::shared_ptr<ShimConnection>* wait_conn) {
  const std::string& id = record.id();
  BERTH_RETURN_IF_ERROR(WriteContainerFiles(record, request));
  std::string socket = paths_.ShimSocket(id);
  absl::StatusOr<pid_t> created = LaunchShim(
      ShimLaunch{config_.shim_path, paths_.ShimConfigFile(id), paths_.ShimLogFile(id)});
  if (absl::IsDeadlineExceeded(created.status())) {
    (void)CallShim(socket, "KILL", {"9"}, 2000);  // a stuck setup must not linger
  }
  BERTH_RETURN_IF_ERROR(created.status());
  // The waiter is in place before the process runs, so no exit is missed.
  auto conn = ShimConnection::Connect(socket);
  absl::Status status = conn.ok() ? (*conn)->SendRequest("WAIT") : conn.status();
  if (!status.ok()) {
    (void)CallShim(socket, "KILL", {"9"});
    return status;
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
  BERTH_ASSIGN_OR_RETURN(std::string reply, CallShim(socket, "START"));
  int pid = 0;
  if (!absl::SimpleAtoi(reply, &pid)) {
    return absl::InternalError(absl::StrCat("bad START reply '", reply, "'"));
  }
  *wait_conn = std::move(*conn);
  return static_cast<pid_t>(pid);
}

absl::StatusOr<StartResult> ContainerManager::StartContainer(const StartRequest& request) {
  v1::Container record;
  {
    absl::MutexLock lock(&mu_);
    BERTH_ASSIGN_OR_RETURN(Entry * entry, Resolve(request.container));
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
    record = entry->record;
  }
  const std::string id = record.id();
  *record.mutable_network() = request.network;
  std::shared_ptr<ShimConnection> wait_conn;
  absl::StatusOr<pid_t> pid = LaunchAndRelease(record, request, &wait_conn);
  if (!pid.ok()) {
    spdlog::warn("container={} start failed: {}", id.substr(0, 12), pid.status().ToString());
    if (metrics_ != nullptr) metrics_->starts_error.Increment();
    RecordStartFailure(id, pid.status());
    return pid.status();
  }
  std::vector<std::shared_ptr<AttachSession>> late;
  {
    absl::MutexLock lock(&mu_);
    Entry& entry = *entries_.at(id);  // removal waits while `starting`
    entry.starting = false;
    v1::ContainerState* state = entry.record.mutable_state();
    state->set_status(v1::CONTAINER_STATUS_RUNNING);
    state->set_pid(*pid);
    state->set_exit_code(0);
    state->clear_error();
    state->set_oom_killed(false);
    SetTime(state->mutable_started_at(), absl::GetCurrentTimeNanos());
    state->clear_finished_at();
    *entry.record.mutable_network() = request.network;
    entry.record.set_hostname_path(paths_.HostnameFile(id));
    entry.record.set_hosts_path(paths_.HostsFile(id));
    entry.record.set_resolv_conf_path(paths_.ResolvConfFile(id));
    absl::Status saved = Save(entry.record);
    if (!saved.ok()) spdlog::error("container={} {}", id.substr(0, 12), saved.ToString());
    late.swap(entry.pending_attaches);
    record = entry.record;
    UpdateGauges();
  }
  ConnectAttaches(id, std::move(late));
  StartWatcher(id, std::move(wait_conn));
  if (metrics_ != nullptr) metrics_->starts_ok.Increment();
  spdlog::info("container={} started pid={}", id.substr(0, 12), *pid);
  Emit(record, "start");
  return StartResult{false, record};
}

void ContainerManager::RecordStartFailure(const std::string& id, const absl::Status& error) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  Entry& entry = *it->second;
  entry.starting = false;
  // Like Docker: the container keeps its state (created) with State.Error.
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

void ContainerManager::StartWatcher(const std::string& id, std::shared_ptr<ShimConnection> conn) {
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
  w->conn = conn;
  w->thread = std::thread([this, id, conn, w] {
    WatchExit(id, conn);
    w->done = true;
  });
  watchers_.push_back(std::move(watcher));
}

void ContainerManager::WatchExit(const std::string& id, std::shared_ptr<ShimConnection> conn) {
  absl::StatusOr<std::string> reply = conn->ReadReply(-1);
  {
    absl::MutexLock lock(&mu_);
    if (shutting_down_) return;  // the container lives on; the next runtimed adopts it
  }
  std::vector<std::string> words;
  if (reply.ok()) words = absl::StrSplit(*reply, ' ');
  spec::ExitRecord exit;
  if (words.size() >= 3 && absl::SimpleAtoi(words[0], &exit.exit_code) &&
      absl::SimpleAtoi(words[1], &exit.finished_unix_nano)) {
    exit.oom_killed = words[2] == "1";
    HandleExit(id, exit);
    return;
  }
  spdlog::warn("container={} lost its shim ({}); using exit.json", id.substr(0, 12),
               reply.ok() ? *reply : reply.status().ToString());
  HandleExit(id, ReadExitFile(id));
}

spec::ExitRecord ContainerManager::ReadExitFile(const std::string& id) {
  auto text = fs::ReadFile(paths_.ExitFile(id));
  if (text.ok()) {
    auto exit = spec::ExitFromJson(*text);
    if (exit.ok()) return *exit;
  }
  return spec::ExitRecord{255, absl::GetCurrentTimeNanos(), false};
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
  state->set_status(v1::CONTAINER_STATUS_EXITED);
  state->set_exit_code(exit_code);
  state->set_pid(0);
  state->set_oom_killed(exit.oom_killed);
  SetTime(state->mutable_finished_at(), exit.finished_unix_nano);
  absl::Status saved = Save(entry.record);
  if (!saved.ok()) spdlog::error("container={} {}", id.substr(0, 12), saved.ToString());
  entry.exits++;
  (void)fs::RemoveTree(paths_.ShimDir(id));
  if (metrics_ != nullptr) metrics_->exits.Increment();
  UpdateGauges();
  spdlog::info("container={} exited code={}", id.substr(0, 12), exit_code);
  Emit(entry.record, "die", {{"exitCode", absl::StrCat(exit_code)}});
  if (entry.record.config().auto_remove() && !entry.removing) {
    absl::Status removed = RemoveLocked(id);  // `entry` is gone after this
    if (!removed.ok()) spdlog::error("container={} auto-remove: {}", id.substr(0, 12),
                                     removed.ToString());
  }
}

void ContainerManager::RecoverRunning(Entry& entry) {
  const std::string id = entry.record.id();
  auto conn = ShimConnection::Connect(paths_.ShimSocket(id));
  if (conn.ok() && (*conn)->SendRequest("WAIT").ok()) {
    spdlog::info("container={} shim adopted", id.substr(0, 12));
    if (metrics_ != nullptr) metrics_->shim_reconnects.Increment();
    StartWatcher(id, std::move(*conn));
    return;
  }
  // The shim is gone: it exited (and recorded the exit) while we were away.
  SettleExitLocked(entry, ReadExitFile(id));
}

}  // namespace berth::runtimed
