// ContainerManager: pause and unpause (the cgroup freezer), top (the host's
// ps filtered to the container's cgroup) and rename.
#include <csignal>

#include "absl/strings/str_cat.h"
#include "common/status/status.h"
#include "services/runtimed/spec/runtimes.h"
#include "services/runtimed/container_manager.h"
#include "services/runtimed/container_state.h"
#include "services/runtimed/names.h"
#include "services/runtimed/signal_names.h"
#include "spdlog/spdlog.h"

namespace berth::runtimed {

v1::RuntimeInfoResponse ContainerManager::RuntimeInfo() const {
  return spec::DescribeRuntimes(config_.host);
}
namespace {

// ps normally answers in milliseconds; this only bounds a hung one.
constexpr absl::Duration kPsTimeout = absl::Seconds(20);

absl::Status NotRunningError(const std::string& id) {
  return absl::FailedPreconditionError(absl::StrCat("Container ", id, " is not running"));
}

absl::Status RestartingError(const std::string& id) {
  return absl::FailedPreconditionError(
      absl::StrCat("Container ", id, " is restarting, wait until the container is running"));
}

}  // namespace

absl::StatusOr<std::unique_ptr<cgroups::CgroupManager>> ContainerManager::OpenCgroup(
    const std::string& id) {
  if (config_.open_cgroup) return config_.open_cgroup(id);
  // The layout does not change while runtimed runs.
  static const absl::StatusOr<cgroups::Layout>* layout =
      new absl::StatusOr<cgroups::Layout>(cgroups::DetectHostLayout());
  if (!layout->ok()) return layout->status();
  return cgroups::NewCgroupManager(**layout, spec::ShimConfig().cgroup_parent, id);
}

absl::Status ContainerManager::PauseContainer(const std::string& ref) {
  absl::MutexLock lock(&mu_);
  BERTH_ASSIGN_OR_RETURN(Entry * entry, Resolve(ref));
  const std::string id = entry->record.id();
  v1::ContainerStatus status = entry->record.state().status();
  if (status == v1::CONTAINER_STATUS_PAUSED) {
    return absl::FailedPreconditionError(absl::StrCat("Container ", id, " is already paused"));
  }
  if (status == v1::CONTAINER_STATUS_RESTARTING) return RestartingError(id);
  if (!IsRunning(status)) return NotRunningError(id);
  // Under the lock (a freeze takes milliseconds), so an exit or a stop
  // cannot interleave with the state change.
  BERTH_ASSIGN_OR_RETURN(auto cgroup, OpenCgroup(id));
  BERTH_RETURN_IF_ERROR(
      Annotate(cgroup->Freeze(), absl::StrCat("Cannot pause container ", id)));
  entry->record.mutable_state()->set_status(v1::CONTAINER_STATUS_PAUSED);
  absl::Status saved = Save(entry->record);
  if (!saved.ok()) spdlog::error("container={} {}", id.substr(0, 12), saved.ToString());
  UpdateGauges();
  spdlog::info("container={} paused", id.substr(0, 12));
  Emit(entry->record, "pause");
  return absl::OkStatus();
}

absl::Status ContainerManager::UnpauseContainer(const std::string& ref) {
  absl::MutexLock lock(&mu_);
  BERTH_ASSIGN_OR_RETURN(Entry * entry, Resolve(ref));
  const std::string id = entry->record.id();
  if (entry->record.state().status() != v1::CONTAINER_STATUS_PAUSED) {
    return absl::FailedPreconditionError(absl::StrCat("Container ", id, " is not paused"));
  }
  BERTH_ASSIGN_OR_RETURN(auto cgroup, OpenCgroup(id));
  BERTH_RETURN_IF_ERROR(
      Annotate(cgroup->Thaw(), absl::StrCat("Cannot unpause container ", id)));
  entry->record.mutable_state()->set_status(v1::CONTAINER_STATUS_RUNNING);
  absl::Status saved = Save(entry->record);
  if (!saved.ok()) spdlog::error("container={} {}", id.substr(0, 12), saved.ToString());
  UpdateGauges();
  spdlog::info("container={} unpaused", id.substr(0, 12));
  Emit(entry->record, "unpause");
  return absl::OkStatus();
}

void ContainerManager::ThawAfterSignalLocked(const std::string& id) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  Entry& entry = *it->second;
  if (entry.record.state().status() != v1::CONTAINER_STATUS_PAUSED) return;
  absl::StatusOr<std::unique_ptr<cgroups::CgroupManager>> cgroup = OpenCgroup(id);
  absl::Status thawed = cgroup.ok() ? (*cgroup)->Thaw() : cgroup.status();
  if (!thawed.ok()) {
    spdlog::warn("container={} cannot unpause after signal: {}", id.substr(0, 12),
                 thawed.ToString());
    return;
  }
  entry.record.mutable_state()->set_status(v1::CONTAINER_STATUS_RUNNING);
  absl::Status saved = Save(entry.record);
  if (!saved.ok()) spdlog::error("container={} {}", id.substr(0, 12), saved.ToString());
  UpdateGauges();
  Emit(entry.record, "unpause");
}

void ContainerManager::SyncPausedLocked(Entry& entry) {
  v1::ContainerStatus status = entry.record.state().status();
  if (status != v1::CONTAINER_STATUS_RUNNING && status != v1::CONTAINER_STATUS_PAUSED) return;
  const std::string id = entry.record.id();
  absl::StatusOr<std::unique_ptr<cgroups::CgroupManager>> cgroup = OpenCgroup(id);
  absl::StatusOr<bool> frozen = cgroup.ok() ? (*cgroup)->Frozen() : cgroup.status();
  if (!frozen.ok()) {
    spdlog::warn("container={} freezer state unknown: {}", id.substr(0, 12),
                 frozen.status().ToString());
    return;
  }
  v1::ContainerStatus now = *frozen ? v1::CONTAINER_STATUS_PAUSED : v1::CONTAINER_STATUS_RUNNING;
  if (now == status) return;
  spdlog::info("container={} is {} per its cgroup", id.substr(0, 12), StatusName(now));
  entry.record.mutable_state()->set_status(now);
  absl::Status saved = Save(entry.record);
  if (!saved.ok()) spdlog::error("container={} {}", id.substr(0, 12), saved.ToString());
}

absl::StatusOr<TopResult> ContainerManager::TopContainer(const std::string& ref,
                                                         const std::string& ps_args) {
  BERTH_RETURN_IF_ERROR(top::ValidatePsArgs(ps_args));
  std::string id;
  {
    absl::MutexLock lock(&mu_);
    BERTH_ASSIGN_OR_RETURN(Entry * entry, Resolve(ref));
    id = entry->record.id();
    v1::ContainerStatus status = entry->record.state().status();
    if (status == v1::CONTAINER_STATUS_RESTARTING) return RestartingError(id);
    if (!IsRunning(status)) return NotRunningError(id);
  }
  BERTH_ASSIGN_OR_RETURN(auto cgroup, OpenCgroup(id));
  absl::StatusOr<std::vector<pid_t>> pids = cgroup->Pids();
  if (absl::IsNotFound(pids.status())) return NotRunningError(id);  // exited meanwhile
  BERTH_RETURN_IF_ERROR(pids.status());
  // As dockerd: with -q<pids> first; some formats (f) refuse it, so again
  // without, the filter below keeping only the container's rows either way.
  BERTH_ASSIGN_OR_RETURN(top::CommandOutput ps,
                         top::RunCommand(top::PsArgv(ps_args, top::PsPidsArg(*pids)), kPsTimeout));
  if (ps.exit_code != 0) {
    BERTH_ASSIGN_OR_RETURN(ps, top::RunCommand(top::PsArgv(ps_args, ""), kPsTimeout));
  }
  if (ps.exit_code != 0) {
    std::string first_line = ps.err.substr(0, ps.err.find('\n'));
    if (first_line.empty()) first_line = absl::StrCat("exit status ", ps.exit_code);
    return absl::InternalError(absl::StrCat("ps: ", first_line));
  }
  return top::ParsePsOutput(ps.out, *pids);
}

absl::StatusOr<RenameResult> ContainerManager::RenameContainer(const std::string& ref,
                                                               const std::string& new_name) {
  if (ref.empty() || new_name.empty() || new_name == "/") {
    return absl::InvalidArgumentError("Neither old nor new names may be empty");
  }
  absl::MutexLock lock(&mu_);
  BERTH_ASSIGN_OR_RETURN(Entry * entry, Resolve(ref));
  const std::string id = entry->record.id();
  const std::string old_name = entry->record.name();
  std::string bare = new_name[0] == '/' ? new_name.substr(1) : new_name;
  if (bare == old_name) {
    return absl::InvalidArgumentError("Renaming a container with the same name as its current name");
  }
  absl::StatusOr<std::string> valid = ValidateName(bare);
  if (!valid.ok()) return Annotate(valid.status(), "Error when allocating new name");
  for (const auto& [other_id, other] : entries_) {
    if (other->record.name() == *valid) {
      return Annotate(NameInUseError(*valid, other_id), "Error when allocating new name");
    }
  }
  v1::Container record = entry->record;
  record.set_name(*valid);
  BERTH_RETURN_IF_ERROR(Annotate(Save(record), absl::StrCat("rename container ", id)));
  entry->record = record;
  spdlog::info("container={} renamed {} -> {}", id.substr(0, 12), old_name, *valid);
  Emit(record, "rename", {{"oldName", "/" + old_name}});
  return RenameResult{std::move(record), old_name};
}

}  // namespace berth::runtimed
