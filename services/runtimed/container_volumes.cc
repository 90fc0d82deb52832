// ContainerManager: local volumes. The store keeps them; whether one is in
// use is decided here, under the manager's lock, from the container records
// (a created or stopped container holds its volumes as a running one does).
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status/status.h"
#include "services/runtimed/container_manager.h"
#include "services/runtimed/volumes/mount_resolver.h"
#include "spdlog/spdlog.h"

namespace berth::runtimed {

std::vector<std::string> ContainerManager::VolumeUsers(const std::string& name) const {
  std::vector<std::string> users;
  for (const auto& [id, entry] : entries_) {
    if (volumes::MountsVolume(entry->record, name)) users.push_back(id);
  }
  std::sort(users.begin(), users.end());
  return users;
}

v1::Volume ContainerManager::WithUsers(v1::Volume volume) const {
  for (const auto& id : VolumeUsers(volume.name())) volume.add_used_by(id);
  return volume;
}

void ContainerManager::EmitVolume(const std::string& name, const std::string& action,
                                  std::map<std::string, std::string> extra) {
  EventRecord event;
  event.type = "volume";
  event.action = action;
  event.id = name;
  event.attributes = std::move(extra);
  event.attributes["driver"] = "local";
  events_.Emit(std::move(event));
}

void ContainerManager::EmitVolumeMounts(const v1::Container& record) {
  for (const auto& mp : record.mounts()) {
    if (mp.type() != "volume") continue;
    EmitVolume(mp.name(), "mount",
               {{"container", record.id()},
                {"destination", mp.destination()},
                {"propagation", mp.propagation()},
                {"read/write", mp.rw() ? "true" : "false"}});
  }
}

void ContainerManager::RemoveAnonymousVolumes(const v1::Container& record) {
  for (const auto& mp : record.mounts()) {
    if (mp.type() != "volume" || !mp.anonymous()) continue;
    if (!VolumeUsers(mp.name()).empty()) continue;  // shared through volumes-from
    absl::Status removed = volumes_->Remove(mp.name());
    if (removed.ok()) EmitVolume(mp.name(), "destroy");
    if (!removed.ok() && !absl::IsNotFound(removed)) {
      spdlog::warn("container={} remove its volume {}: {}", record.id().substr(0, 12), mp.name(),
                   removed.ToString());
    }
  }
}

absl::StatusOr<v1::Volume> ContainerManager::CreateVolume(
    const volumes::CreateVolumeOptions& options) {
  absl::MutexLock lock(&mu_);
  bool existed = !options.name.empty() && volumes_->Get(options.name).ok();
  BERTH_ASSIGN_OR_RETURN(v1::Volume volume, volumes_->Create(options, clock_->Now()));
  if (!existed) EmitVolume(volume.name(), "create");
  return WithUsers(std::move(volume));
}

absl::StatusOr<v1::Volume> ContainerManager::InspectVolume(const std::string& name) {
  absl::MutexLock lock(&mu_);
  BERTH_ASSIGN_OR_RETURN(v1::Volume volume, volumes_->Get(name));
  return WithUsers(std::move(volume));
}

absl::StatusOr<std::vector<v1::Volume>> ContainerManager::ListVolumes(
    const v1::VolumeFilters& filters, bool with_size) {
  std::vector<v1::Volume> out;
  {
    absl::MutexLock lock(&mu_);
    for (v1::Volume& volume : volumes_->List()) {
      volume = WithUsers(std::move(volume));
      BERTH_ASSIGN_OR_RETURN(bool match,
                             volumes::MatchesFilters(volume, filters, volume.used_by_size() > 0));
      if (match) out.push_back(std::move(volume));
    }
  }
  // Walked outside the lock: sizing a big volume must not stall every
  // other call. A volume removed meanwhile reads -1 (unknown), as dockerd's.
  if (with_size) {
    for (v1::Volume& volume : out) volume.set_size(volumes_->Size(volume.name()));
  }
  return out;
}

absl::Status ContainerManager::RemoveVolume(const std::string& name, bool force) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<v1::Volume> volume = volumes_->Get(name);
  if (!volume.ok()) return force && absl::IsNotFound(volume.status()) ? absl::OkStatus()
                                                                       : volume.status();
  std::vector<std::string> users = VolumeUsers(name);
  if (!users.empty()) {
    return absl::FailedPreconditionError(absl::StrCat("remove ", name, ": volume is in use - [",
                                                      absl::StrJoin(users, ", "), "]"));
  }
  BERTH_RETURN_IF_ERROR(volumes_->Remove(name));
  EmitVolume(name, "destroy");
  return absl::OkStatus();
}

absl::StatusOr<v1::PruneVolumesResponse> ContainerManager::PruneVolumes(
    const v1::VolumeFilters& filters) {
  v1::VolumeFilters only_unused = filters;
  only_unused.set_dangling("true");
  absl::MutexLock lock(&mu_);
  v1::PruneVolumesResponse response;
  for (v1::Volume& volume : volumes_->List()) {
    if (!VolumeUsers(volume.name()).empty()) continue;
    BERTH_ASSIGN_OR_RETURN(bool match, volumes::MatchesFilters(volume, only_unused, false));
    if (!match) continue;
    int64_t size = volumes_->Size(volume.name());
    absl::Status removed = volumes_->Remove(volume.name());
    if (!removed.ok()) {
      spdlog::warn("prune volume {}: {}", volume.name(), removed.ToString());
      continue;
    }
    response.add_deleted(volume.name());
    EmitVolume(volume.name(), "destroy");
    if (size > 0) response.set_space_reclaimed(response.space_reclaimed() + size);
  }
  return response;
}

}  // namespace berth::runtimed
