// ContainerManager: records (create, resolve, list, inspect, remove), recovery
// and events. Start/stop/exits are in container_lifecycle.cc, logs and attach
// in container_io.cc.
#include "services/runtimed/spec/runtimes.h"
#include "services/runtimed/container_manager.h"

#include <csignal>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/fs/fs.h"
#include "common/lifecycle/restart_policy.h"
#include "common/status/status.h"
#include "services/runtimed/container_state.h"
#include "services/runtimed/health/health_state.h"
#include "services/runtimed/names.h"
#include "services/runtimed/shim_runtime_berth.h"
#include "services/runtimed/spec/log_options.h"
#include "services/runtimed/volumes/mount_resolver.h"
#include "spdlog/spdlog.h"
#include "common/time/proto_time.h"

namespace berth::runtimed {
namespace {

bool IsHexId(const std::string& id) {
  if (id.size() != 64) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ContainerManager>> ContainerManager::Create(
    const ManagerConfig& config, RuntimedMetrics* metrics) {
  return Create(config, metrics,
                std::make_shared<BerthShimRuntime>(Paths(config.state_dir, config.run_dir),
                                                   config.shim_path),
                std::make_shared<RealClock>());
}

absl::StatusOr<std::unique_ptr<ContainerManager>> ContainerManager::Create(
    const ManagerConfig& config, RuntimedMetrics* metrics, std::shared_ptr<ShimRuntime> shims,
    std::shared_ptr<Clock> clock) {
  if (shims == nullptr || clock == nullptr) {
    return absl::InvalidArgumentError("container manager needs a shim runtime and a clock");
  }
  Paths paths(config.state_dir, config.run_dir);
  BERTH_ASSIGN_OR_RETURN(auto store, store::RecordStore::Open(paths));
  BERTH_ASSIGN_OR_RETURN(auto volumes, volumes::VolumeStore::Open(paths.VolumesDir()));
  BERTH_RETURN_IF_ERROR(fs::MakeDirs(config.run_dir + "/runtimed", 0700));
  std::unique_ptr<ContainerManager> manager(new ContainerManager(
      config, std::move(store), std::move(volumes), metrics, std::move(shims), std::move(clock)));
  // Before Recover(): the "die" of a container that exited while runtimed
  // was down joins the kept events.
  BERTH_RETURN_IF_ERROR(manager->events_.Persist(paths.EventsFile()));
  BERTH_RETURN_IF_ERROR(manager->Recover());
  return manager;
}

ContainerManager::ContainerManager(const ManagerConfig& config,
                                   std::unique_ptr<store::RecordStore> store,
                                   std::unique_ptr<volumes::VolumeStore> volumes,
                                   RuntimedMetrics* metrics, std::shared_ptr<ShimRuntime> shims,
                                   std::shared_ptr<Clock> clock)
    : config_(config),
      paths_(config.state_dir, config.run_dir),
      store_(std::move(store)),
      volumes_(std::move(volumes)),
      metrics_(metrics),
      shims_(std::move(shims)),
      clock_(std::move(clock)) {}

ContainerManager::~ContainerManager() {
  {
    absl::MutexLock lock(&mu_);
    shutting_down_ = true;
    for (auto& [id, entry] : entries_) {
      for (auto& session : entry->pending_attaches) session->End();
    }
  }
  // Pending restarts see shutting_down_ and end (their records stay
  // "restarting" for the next runtimed); one in flight finishes its start.
  {
    absl::MutexLock lock(&restarters_mu_);
    for (auto& r : restarters_) {
      if (r->thread.joinable()) r->thread.join();
    }
  }
  // Cancelling our exit watches wakes the watchers; the shims do not mind
  // (a waiter going away is a detach) and keep their containers running.
  absl::MutexLock lock(&watchers_mu_);
  for (auto& w : watchers_) w->watch->Cancel();
  for (auto& w : watchers_) {
    if (w->thread.joinable()) w->thread.join();
  }
}

absl::Status ContainerManager::Save(const v1::Container& record) { return store_->Save(record); }

bool ContainerManager::NameTaken(const std::string& name) const {
  for (const auto& [id, entry] : entries_) {
    if (entry->record.name() == name) return true;
  }
  return false;
}

absl::StatusOr<ContainerManager::Entry*> ContainerManager::Resolve(const std::string& ref) {
  auto not_found = absl::NotFoundError(absl::StrCat("No such container: ", ref));
  if (ref.empty()) return not_found;
  auto it = entries_.find(ref);
  if (it != entries_.end()) return it->second.get();
  std::string name = ref[0] == '/' ? ref.substr(1) : ref;
  for (auto& [id, entry] : entries_) {
    if (entry->record.name() == name) return entry.get();
  }
  Entry* match = nullptr;
  for (auto& [id, entry] : entries_) {
    if (absl::StartsWith(id, ref)) {
      if (match != nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat("multiple IDs found with provided prefix: ", ref));
      }
      match = entry.get();
    }
  }
  if (match == nullptr) return not_found;
  return match;
}

absl::StatusOr<v1::Container> ContainerManager::CreateContainer(const CreateRequest& request) {
  if (!IsHexId(request.id)) {
    return absl::InvalidArgumentError(absl::StrCat("invalid container id '", request.id, "'"));
  }
  if (request.config.entrypoint().empty() && request.config.cmd().empty()) {
    return absl::InvalidArgumentError("No command specified");
  }
  // Refused now rather than at start, as dockerd does for these options.
  BERTH_RETURN_IF_ERROR(lifecycle::ValidateRestartPolicy(
      request.config.restart_policy().name(), request.config.restart_policy().maximum_retry_count(),
      request.config.auto_remove()));
  BERTH_RETURN_IF_ERROR(health::Validate(request.config.healthcheck()));
  BERTH_RETURN_IF_ERROR(spec::ValidateRuntime(request.config.runtime(), config_.host));
  if (spec::UsesRunc(request.config.runtime()) && request.config.security().privileged()) {
    return absl::InvalidArgumentError("--privileged is not supported with --runtime runc yet");
  }
  BERTH_RETURN_IF_ERROR(spec::BuildSecuritySpec(request.config.security(), config_.host).status());
  BERTH_ASSIGN_OR_RETURN(spec::ResolvedResources resources,
                         spec::BuildResources(request.config.resources(), config_.host.resources));
  for (const std::string& warning : resources.warnings) {
    spdlog::warn("create {}: {}", request.id.substr(0, 12), warning);
  }
  BERTH_RETURN_IF_ERROR(spec::BuildLogRotation(request.config.log_config()).status());
  std::string name;
  if (!request.name.empty()) {
    BERTH_ASSIGN_OR_RETURN(name, ValidateName(request.name));
  }
  v1::Container record;
  {
    absl::MutexLock lock(&mu_);
    if (entries_.contains(request.id)) {
      return absl::AlreadyExistsError(absl::StrCat("container id ", request.id, " already exists"));
    }
    if (name.empty()) {
      name = GenerateName(gen_, [this](const std::string& n)
                                    ABSL_NO_THREAD_SAFETY_ANALYSIS { return NameTaken(n); });
    }
    for (const auto& [id, entry] : entries_) {
      if (entry->record.name() == name) return NameInUseError(name, id);
    }
    record.set_id(request.id);
    record.set_name(name);
    *record.mutable_config() = request.config;
    record.set_image_id(request.image_id);
    *record.mutable_created() = ToTimestamp(clock_->Now());
    record.mutable_state()->set_status(v1::CONTAINER_STATUS_CREATED);
    record.set_log_path(paths_.LogFile(request.id));
    for (const auto& m : request.rootfs) *record.add_rootfs() = m;
    for (const auto& a : request.config.entrypoint()) record.add_path_and_args(a);
    for (const auto& a : request.config.cmd()) record.add_path_and_args(a);
    // Under the lock: volumes-from reads other records, and a volume made
    // here must not be removed before this record names it.
    volumes::ResolveContext resolve{
        .volumes = volumes_.get(),
        .lookup_container = [this](const std::string& ref) ABSL_NO_THREAD_SAFETY_ANALYSIS
        -> absl::StatusOr<v1::Container> {
          BERTH_ASSIGN_OR_RETURN(Entry * from, Resolve(ref));
          return from->record;
        },
        .now = clock_->Now()};
    BERTH_ASSIGN_OR_RETURN(volumes::ResolvedMounts mounts,
                           volumes::ResolveMounts(request.config, resolve));
    for (auto& mp : mounts.mounts) *record.add_mounts() = std::move(mp);
    // Saved under the lock so that a concurrent create cannot take the name
    // between the check and the write.
    absl::Status saved = Annotate(Save(record), absl::StrCat("create container '", name, "'"));
    if (!saved.ok()) {
      for (const auto& volume : mounts.created) (void)volumes_->Remove(volume);
      return saved;
    }
    for (const auto& volume : mounts.created) EmitVolume(volume, "create");
    auto entry = std::make_unique<Entry>();
    entry->record = record;
    entries_.emplace(request.id, std::move(entry));
    UpdateGauges();
  }
  spdlog::info("container={} name={} image={} created", record.id().substr(0, 12), name,
               record.config().image());
  Emit(record, "create");
  return record;
}

std::vector<v1::Container> ContainerManager::ListContainers(bool all) {
  absl::MutexLock lock(&mu_);
  std::vector<v1::Container> result;
  for (const auto& [id, entry] : entries_) {
    if (all || IsRunning(entry->record.state().status())) result.push_back(entry->record);
  }
  std::sort(result.begin(), result.end(), [](const auto& a, const auto& b) {
    return a.created() > b.created();
  });
  return result;
}

absl::StatusOr<v1::Container> ContainerManager::InspectContainer(const std::string& ref) {
  absl::MutexLock lock(&mu_);
  BERTH_ASSIGN_OR_RETURN(Entry * entry, Resolve(ref));
  return entry->record;
}

absl::StatusOr<v1::Container> ContainerManager::RemoveContainer(const std::string& ref,
                                                                bool force,
                                                                bool remove_volumes) {
  absl::MutexLock lock(&mu_);
  BERTH_ASSIGN_OR_RETURN(Entry * entry, Resolve(ref));
  std::string id = entry->record.id();
  if (force && IsRunning(entry->record.state().status()) && !entry->removing) {
    // Ends the restart policy (waiting out a policy restart in flight), so
    // a container waiting to restart is simply exited now.
    entry = CancelRestartPolicyLocked(id);
    if (entry == nullptr) return absl::NotFoundError(absl::StrCat("No such container: ", ref));
  }
  if (entry->starting || entry->removing) {
    return absl::FailedPreconditionError(
        absl::StrCat("container ", id, " is being started or removed; try again"));
  }
  if (!CanRemove(entry->record.state().status(), force)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "You cannot remove a running container ", id,
        ". Stop the container before attempting removal or force remove"));
  }
  if (IsRunning(entry->record.state().status())) {
    entry->removing = true;
    uint64_t exits = entry->exits;
    mu_.Unlock();
    absl::Status killed = SignalShim(id, SIGKILL);
    mu_.Lock();
    ThawAfterSignalLocked(id);
    v1::Container before = entry->record;
    bool exited = AwaitExit(id, exits, absl::Seconds(30));
    auto it = entries_.find(id);
    if (it == entries_.end()) return before;  // removed meanwhile (AutoRemove)
    entry = it->second.get();
    entry->removing = false;
    if (!exited) {
      return absl::InternalError(absl::StrCat("container ", id, " did not exit after SIGKILL: ",
                                              killed.ToString()));
    }
  }
  v1::Container record = entry->record;
  BERTH_RETURN_IF_ERROR(RemoveLocked(id));
  if (remove_volumes) RemoveAnonymousVolumes(record);
  return record;
}

absl::Status ContainerManager::RemoveLocked(const std::string& id) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return absl::OkStatus();
  v1::Container record = it->second->record;
  BERTH_RETURN_IF_ERROR(
      Annotate(store_->Delete(id), absl::StrCat("remove container '", record.name(), "'")));
  (void)fs::RemoveTree(paths_.ShimDir(id));
  if (removed_exit_codes_.size() > 1000) removed_exit_codes_.clear();
  removed_exit_codes_[id] = record.state().exit_code();
  for (auto& session : it->second->pending_attaches) session->End();
  entries_.erase(it);
  UpdateGauges();
  spdlog::info("container={} name={} removed", id.substr(0, 12), record.name());
  Emit(record, "destroy");
  // docker run --rm: the anonymous volumes go with the container.
  if (record.config().auto_remove()) RemoveAnonymousVolumes(record);
  return absl::OkStatus();
}

void ContainerManager::Emit(const v1::Container& record, const std::string& action,
                            std::map<std::string, std::string> extra) {
  EventRecord event;
  event.action = action;
  event.id = record.id();
  event.attributes = std::move(extra);
  event.attributes["name"] = record.name();
  event.attributes["image"] = record.config().image();
  for (const auto& [k, v] : record.config().labels()) event.attributes.emplace(k, v);
  events_.Emit(std::move(event));
}

void ContainerManager::EmitContainerEvent(const std::string& id, const std::string& action,
                                          std::map<std::string, std::string> extra) {
  v1::Container record;
  {
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(id);
    if (it == entries_.end()) return;
    record = it->second->record;
  }
  Emit(record, action, std::move(extra));
}

void ContainerManager::UpdateGauges() {
  if (metrics_ == nullptr) return;
  int created = 0, running = 0, exited = 0;
  for (const auto& [id, entry] : entries_) {
    auto status = entry->record.state().status();
    if (IsRunning(status)) {
      ++running;
    } else if (status == v1::CONTAINER_STATUS_CREATED) {
      ++created;
    } else {
      ++exited;
    }
  }
  metrics_->containers_created.Set(created);
  metrics_->containers_running.Set(running);
  metrics_->containers_exited.Set(exited);
}

absl::Status ContainerManager::Recover() {
  BERTH_ASSIGN_OR_RETURN(std::vector<v1::Container> records, store_->LoadAll());
  absl::MutexLock lock(&mu_);
  for (auto& record : records) {
    auto entry = std::make_unique<Entry>();
    entry->record = std::move(record);
    Entry& e = *entry;
    entries_.emplace(e.record.id(), std::move(entry));
    if (IsRunning(e.record.state().status())) {
      const std::string id = e.record.id();
      RecoverRunning(e);  // may settle an exit and, with --rm, drop `e`
      // The freezer knows whether it is paused.
      if (auto it = entries_.find(id); it != entries_.end()) SyncPausedLocked(*it->second);
    } else {
      // A shim that never got START (runtimed died in between) is of no use.
      if (shims_->Kill(e.record.id(), SIGKILL).ok()) {
        spdlog::warn("container={} killed a shim left from an unfinished start",
                     e.record.id().substr(0, 12));
      }
    }
  }
  UpdateGauges();
  spdlog::info("recovered {} container records", entries_.size());
  return absl::OkStatus();
}

}  // namespace berth::runtimed
