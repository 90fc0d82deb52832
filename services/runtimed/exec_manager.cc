#include "services/runtimed/exec_manager.h"

#include <algorithm>
#include <csignal>
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/json_util.h"
#include "common/fs/fs.h"
#include "common/status/status.h"
#include "services/runtimed/container_state.h"
#include "services/runtimed/spec/exec_spec.h"
#include "spdlog/spdlog.h"

namespace berth::runtimed {
namespace {

// Finished execs kept for inspection; the oldest finished ones go first.
constexpr size_t kMaxExecRecords = 1024;

absl::Status NoSuchExec(const std::string& id) {
  return absl::NotFoundError(absl::StrCat("No such exec instance: ", id));
}

absl::Status NotRunning(const std::string& container_id) {
  return absl::FailedPreconditionError(
      absl::StrCat("container ", container_id, " is not running"));
}

std::string Short(const std::string& id) { return id.substr(0, 12); }

}  // namespace

ExecManager::ExecManager(ContainerManager& containers, Paths container_paths, Paths exec_paths,
                         std::shared_ptr<ShimRuntime> shims, spec::HostFacts host,
                         RuntimedMetrics* metrics)
    : containers_(containers),
      container_paths_(std::move(container_paths)),
      exec_paths_(std::move(exec_paths)),
      shims_(std::move(shims)),
      host_(host),
      metrics_(metrics) {
  Recover();
}

std::string ExecManager::RecordFile(const std::string& exec_id) const {
  return absl::StrCat(exec_paths_.state_dir(), "/records/", exec_id, ".json");
}

void ExecManager::SaveLocked(const v1::ExecInspect& exec) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  absl::Status s = fs::MakeDirs(exec_paths_.state_dir() + "/records", 0700);
  if (s.ok()) {
    auto encoded = google::protobuf::util::MessageToJsonString(exec, &json, options);
    s = encoded.ok() ? fs::WriteFileAtomically(RecordFile(exec.id()), json, 0600)
                     : absl::InternalError(encoded.ToString());
  }
  if (!s.ok()) spdlog::warn("exec={} record not saved: {}", Short(exec.id()), s.ToString());
}

void ExecManager::Recover() {
  struct Loaded {
    std::filesystem::file_time_type written;
    v1::ExecInspect exec;
  };
  std::vector<Loaded> loaded;
  std::error_code ec;
  for (const auto& entry :
       std::filesystem::directory_iterator(exec_paths_.state_dir() + "/records", ec)) {
    absl::StatusOr<std::string> text = fs::ReadFile(entry.path().string());
    v1::ExecInspect exec;
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = true;
    if (!text.ok() || !google::protobuf::util::JsonStringToMessage(*text, &exec, options).ok() ||
        entry.path().filename().string() != exec.id() + ".json") {
      spdlog::warn("exec record {} unreadable; removed", entry.path().string());
      std::filesystem::remove(entry.path(), ec);
      continue;
    }
    loaded.push_back({entry.last_write_time(ec), std::move(exec)});
  }
  // Oldest first, so pruning keeps its order.
  std::sort(loaded.begin(), loaded.end(),
            [](const Loaded& a, const Loaded& b) { return a.written < b.written; });
  std::vector<std::string> to_settle;
  {
    absl::MutexLock lock(&mu_);
    for (Loaded& l : loaded) {
      order_.push_back(l.exec.id());
      execs_[l.exec.id()] = std::move(l.exec);
    }
    for (auto& [id, exec] : execs_) {
      if (exec.exited() || !exec.started()) continue;
      to_settle.push_back(id);
    }
  }
  for (const std::string& id : to_settle) {
    bool running;
    {
      absl::MutexLock lock(&mu_);
      running = execs_[id].running();
    }
    if (running) {
      // Still there: watch it as if this runtimed had started it.
      absl::StatusOr<std::unique_ptr<ExitWatch>> watch = shims_->Watch(id);
      if (watch.ok()) {
        spdlog::info("exec={} still running; watching it again", Short(id));
        StartWatcher(id, *std::move(watch));
        continue;
      }
      absl::StatusOr<spec::ExitRecord> exit = shims_->RecordedExit(id);
      Settle(id, exit.ok() ? exit->exit_code : 255);
      continue;
    }
    // A start cut short by the crash: a shim may hold the process before
    // START; it never ran the command.
    (void)shims_->Kill(id, SIGKILL);
    Settle(id, 255);
  }
}

ExecManager::~ExecManager() {
  {
    absl::MutexLock lock(&mu_);
    shutting_down_ = true;
  }
  absl::MutexLock lock(&watchers_mu_);
  for (auto& w : watchers_) w->watch->Cancel();
  for (auto& w : watchers_) {
    if (w->thread.joinable()) w->thread.join();
  }
}

int ExecManager::StartFailureExitCode(const absl::Status& error) {
  // Docker: 127 for a command that is not there, 126 for anything else that
  // kept it from running (permission, bad cwd, user).
  absl::string_view text = error.message();
  if (absl::StrContains(text, "executable file not found") ||
      absl::StrContains(text, "no such file or directory\"") ||
      (absl::StartsWith(text, "exec:") && absl::StrContains(text, "no such file or directory"))) {
    return 127;
  }
  return 126;
}

absl::StatusOr<v1::Container> ExecManager::RunningContainer(const std::string& ref) {
  BERTH_ASSIGN_OR_RETURN(v1::Container c, containers_.InspectContainer(ref));
  if (c.state().status() == v1::CONTAINER_STATUS_PAUSED) {
    return absl::FailedPreconditionError(absl::StrCat(
        "Container ", c.id(), " is paused, unpause the container before exec"));
  }
  if (!IsRunning(c.state().status()) || c.state().pid() <= 0) return NotRunning(c.id());
  return c;
}

absl::StatusOr<v1::ExecInspect> ExecManager::Create(const std::string& container,
                                                    const v1::ExecConfig& config) {
  BERTH_RETURN_IF_ERROR(spec::ValidateExecConfig(config));
  BERTH_ASSIGN_OR_RETURN(v1::Container c, RunningContainer(container));
  absl::MutexLock lock(&mu_);
  v1::ExecInspect exec;
  exec.set_id(absl::StrFormat("%016x%016x%016x%016x", absl::Uniform<uint64_t>(gen_),
                              absl::Uniform<uint64_t>(gen_), absl::Uniform<uint64_t>(gen_),
                              absl::Uniform<uint64_t>(gen_)));
  exec.set_container_id(c.id());
  *exec.mutable_config() = config;
  execs_[exec.id()] = exec;
  order_.push_back(exec.id());
  SaveLocked(exec);
  PruneLocked();
  spdlog::debug("container={} exec={} created", Short(c.id()), Short(exec.id()));
  mu_.Unlock();
  // dockerd's events: "exec_create: <cmd>", "exec_start: <cmd>", "exec_die".
  containers_.EmitContainerEvent(c.id(), "exec_create: " + absl::StrJoin(config.cmd(), " "),
                                 {{"execID", exec.id()}});
  mu_.Lock();
  return exec;
}

void ExecManager::PruneLocked() {
  for (auto it = order_.begin(); it != order_.end() && execs_.size() > kMaxExecRecords;) {
    auto e = execs_.find(*it);
    if (e != execs_.end() && e->second.running()) {
      ++it;
      continue;
    }
    if (e != execs_.end()) execs_.erase(e);
    std::error_code ec;
    std::filesystem::remove(RecordFile(*it), ec);
    it = order_.erase(it);
  }
}

absl::StatusOr<v1::ExecInspect> ExecManager::Inspect(const std::string& exec_id) {
  absl::MutexLock lock(&mu_);
  auto it = execs_.find(exec_id);
  if (it == execs_.end()) return NoSuchExec(exec_id);
  return it->second;
}

absl::Status ExecManager::Kill(const std::string& exec_id, int signal) {
  {
    absl::MutexLock lock(&mu_);
    auto it = execs_.find(exec_id);
    if (it == execs_.end()) return NoSuchExec(exec_id);
    if (!it->second.running()) return absl::OkStatus();
  }
  absl::Status killed = shims_->Kill(exec_id, signal);
  return absl::IsUnavailable(killed) ? absl::OkStatus() : killed;
}

bool ExecManager::AwaitExit(const std::string& exec_id, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto exited = [this, &exec_id]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    auto it = execs_.find(exec_id);
    return it == execs_.end() || it->second.exited();
  };
  mu_.AwaitWithTimeout(absl::Condition(&exited), timeout);
  auto it = execs_.find(exec_id);
  return it != execs_.end() && it->second.exited();
}

absl::StatusOr<std::string> ExecManager::WriteExecConfig(const v1::Container& container,
                                                         const v1::ExecInspect& exec) {
  // The container's own config.json: what its main process was started with.
  BERTH_ASSIGN_OR_RETURN(std::string text,
                         fs::ReadFile(container_paths_.ShimConfigFile(container.id())));
  BERTH_ASSIGN_OR_RETURN(spec::ShimConfig main, spec::FromJson(text));
  spec::ExecShimFiles files{exec_paths_.ShimSocket(exec.id()), exec_paths_.ExitFile(exec.id())};
  spec::ShimConfig config = spec::BuildExecShimConfig(
      main, container.id(), exec.id(), exec.config(), container.state().pid(), files, host_);
  BERTH_RETURN_IF_ERROR(fs::MakeDirs(exec_paths_.ContainerDir(exec.id()), 0700));
  BERTH_RETURN_IF_ERROR(fs::MakeDirs(
      std::filesystem::path(files.socket_path).parent_path().string(), 0700));
  BERTH_RETURN_IF_ERROR(fs::WriteFileAtomically(exec_paths_.ShimConfigFile(exec.id()),
                                                spec::ToJson(config), 0600));
  return exec_paths_.ShimConfigFile(exec.id());
}

absl::StatusOr<std::shared_ptr<AttachSession>> ExecManager::Start(const std::string& exec_id,
                                                                  bool attach, uint32_t height,
                                                                  uint32_t width) {
  v1::ExecInspect exec;
  {
    absl::MutexLock lock(&mu_);
    auto it = execs_.find(exec_id);
    if (it == execs_.end()) return NoSuchExec(exec_id);
    if (it->second.running()) {
      return absl::FailedPreconditionError(
          absl::StrCat("Error: Exec command ", exec_id, " is already running"));
    }
    if (it->second.started()) {
      return absl::FailedPreconditionError(
          absl::StrCat("Error: Exec command ", exec_id, " has already run"));
    }
    it->second.set_started(true);
    SaveLocked(it->second);
    exec = it->second;
  }
  absl::Time begun = absl::Now();
  absl::StatusOr<v1::Container> container = RunningContainer(exec.container_id());
  absl::StatusOr<std::shared_ptr<AttachSession>> session =
      container.ok() ? Launch(*container, exec, attach, height, width) : container.status();
  if (!session.ok()) {
    if (metrics_ != nullptr) metrics_->exec_starts_error.Increment();
    if (container.ok()) {
      Settle(exec_id, StartFailureExitCode(session.status()));
    } else {
      absl::MutexLock lock(&mu_);
      execs_[exec_id].set_started(false);  // nothing ran: it may be retried
      SaveLocked(execs_[exec_id]);
    }
    return session.status();
  }
  if (metrics_ != nullptr) {
    metrics_->exec_starts_ok.Increment();
    metrics_->exec_start_seconds.Observe(absl::ToDoubleSeconds(absl::Now() - begun));
  }
  containers_.EmitContainerEvent(exec.container_id(),
                                 "exec_start: " + absl::StrJoin(exec.config().cmd(), " "),
                                 {{"execID", exec_id}});
  return session;
}

absl::StatusOr<std::shared_ptr<AttachSession>> ExecManager::Launch(
    const v1::Container& container, const v1::ExecInspect& exec, bool attach, uint32_t height,
    uint32_t width) {
  const std::string& id = exec.id();
  BERTH_ASSIGN_OR_RETURN(std::string config_path, WriteExecConfig(container, exec));
  BERTH_RETURN_IF_ERROR(shims_->Launch(id, config_path).status());
  // From here on the exec shim holds a process: every failure must kill it.
  auto kill_held = [&] { (void)shims_->Kill(id, SIGKILL); };
  absl::StatusOr<std::unique_ptr<ExitWatch>> watch = shims_->Watch(id);
  if (!watch.ok()) {
    kill_held();
    return watch.status();
  }
  std::shared_ptr<ExitWatch> shared_watch = *std::move(watch);
  std::shared_ptr<AttachSession> session;
  if (attach) {
    const v1::ExecConfig& c = exec.config();
    session = std::make_shared<AttachSession>(
        id, AttachOptions{c.attach_stdin(), c.attach_stdout(), c.attach_stderr()});
    if (absl::Status s = session->Connect(*shims_); !s.ok()) {
      kill_held();
      return s;
    }
  }
  if (height > 0 && width > 0) (void)shims_->Resize(id, height, width);
  absl::StatusOr<pid_t> pid = shims_->Start(id);
  if (!pid.ok()) {
    if (session) session->End();
    kill_held();
    return pid.status();
  }
  {
    absl::MutexLock lock(&mu_);
    v1::ExecInspect& record = execs_[id];
    record.set_running(true);
    record.set_pid(*pid);
    SaveLocked(record);
  }
  spdlog::info("container={} exec={} started pid={}", Short(container.id()), Short(id), *pid);
  StartWatcher(id, std::move(shared_watch));
  return session;
}

void ExecManager::StartWatcher(const std::string& exec_id, std::shared_ptr<ExitWatch> watch) {
  absl::MutexLock lock(&watchers_mu_);
  // Join the watchers of finished execs so threads do not pile up.
  for (auto it = watchers_.begin(); it != watchers_.end();) {
    if ((*it)->done) {
      (*it)->thread.join();
      it = watchers_.erase(it);
    } else {
      ++it;
    }
  }
  auto watcher = std::make_unique<Watcher>();
  watcher->watch = watch;
  Watcher* w = watcher.get();
  w->thread = std::thread([this, exec_id, watch, w] {
    absl::StatusOr<spec::ExitRecord> exit = watch->Wait();
    bool shutting_down;
    {
      absl::MutexLock lock(&mu_);
      shutting_down = shutting_down_;
    }
    if (!shutting_down) {
      if (!exit.ok()) exit = shims_->RecordedExit(exec_id);
      Settle(exec_id, exit.ok() ? exit->exit_code : 255);
    }
    w->done = true;
  });
  watchers_.push_back(std::move(watcher));
}

void ExecManager::Settle(const std::string& exec_id, int exit_code) {
  // The exit code is kept in memory; the shim's files are no longer needed.
  // Removed first, so that whoever sees the exit sees them gone.
  std::error_code ec;
  std::filesystem::remove_all(exec_paths_.ContainerDir(exec_id), ec);
  std::filesystem::remove_all(exec_paths_.ShimDir(exec_id), ec);
  std::string container_id;
  {
    absl::MutexLock lock(&mu_);
    auto it = execs_.find(exec_id);
    if (it != execs_.end()) {
      it->second.set_running(false);
      it->second.set_pid(0);
      it->second.set_exited(true);
      it->second.set_exit_code(exit_code);
      SaveLocked(it->second);
      container_id = it->second.container_id();
    }
  }
  spdlog::info("exec={} exited with {}", Short(exec_id), exit_code);
  if (!container_id.empty()) {
    containers_.EmitContainerEvent(
        container_id, "exec_die", {{"execID", exec_id}, {"exitCode", absl::StrCat(exit_code)}});
  }
}

absl::Status ExecManager::Resize(const std::string& exec_id, uint32_t height, uint32_t width) {
  {
    absl::MutexLock lock(&mu_);
    auto it = execs_.find(exec_id);
    if (it == execs_.end()) return NoSuchExec(exec_id);
    if (!it->second.running()) {
      return absl::FailedPreconditionError(absl::StrCat("exec ", exec_id, " is not running"));
    }
  }
  absl::Status s = shims_->Resize(exec_id, height, width);
  if (absl::IsUnavailable(s)) {
    return absl::FailedPreconditionError(absl::StrCat("exec ", exec_id, " is not running"));
  }
  return s;
}

}  // namespace berth::runtimed
