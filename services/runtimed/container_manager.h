// The runtimed domain: container records and their lifecycle, one berth-shim
// per running container, logs, attach and events. No gRPC types here; the
// record itself is the berth.v1.Container message (stored as proto JSON), so
// that the adapter and the store need no second copy of its ~40 fields.
//
// Threads: every public method may be called concurrently. A running
// container has one watcher thread blocked on its shim's exit watch; that is
// how exits are learned. Shims outlive the manager: destroying it (or killing
// runtimed) leaves containers running, and Recover() on the next start adopts
// them again.
//
// Seams: the shims are reached only through a ShimRuntime and time is read
// only from a Clock, so this lifecycle logic runs in unit tests against
// FakeShimRuntime and FakeClock, without root.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/random/random.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "berth/v1/types.pb.h"
#include "common/time/clock.h"
#include "services/runtimed/attach_session.h"
#include "services/runtimed/cgroups/cgroup_manager.h"
#include "services/runtimed/events.h"
#include "services/runtimed/logs/json_log.h"
#include "services/runtimed/metrics.h"
#include "services/runtimed/paths.h"
#include "services/runtimed/seccomp_cache.h"
#include "services/runtimed/shim_runtime.h"
#include "services/runtimed/spec/security_builder.h"
#include "services/runtimed/spec/shim_config.h"
#include "services/runtimed/store/record_store.h"
#include "services/runtimed/top/ps_top.h"
#include "services/runtimed/volumes/volume_store.h"

namespace berth::runtimed {

struct ManagerConfig {
  std::string state_dir;
  std::string run_dir;
  std::string shim_path;  // used by the default ShimRuntime
  // What containers may be granted here (capabilities, rlimits) and the
  // default pids limit.
  spec::HostFacts host = spec::HostFacts::OfThisProcess();
  // Whether a container's network namespace (its record's sandbox_key) is
  // still there, so a restart policy can restart it in place. Null: the real
  // check (a mounted nsfs file); tests script it.
  std::function<bool(const std::string& path)> netns_present = nullptr;
  // Opens a container's cgroup (nothing created) for pause, unpause and top;
  // null: the host's layout under "berth" (unit tests pass a fake tree).
  std::function<absl::StatusOr<std::unique_ptr<cgroups::CgroupManager>>(const std::string& id)>
      open_cgroup;
};

struct RenameResult {
  v1::Container container;
  std::string old_name;
};

struct CreateRequest {
  std::string id;    // 64 hex
  std::string name;  // "" → generated
  v1::ContainerConfig config;
  std::string image_id;
  std::vector<v1::Mount> rootfs;
};

struct StartRequest {
  std::string container;
  v1::NetworkSummary network;
  std::string resolv_conf;  // "" → a default
  std::string hosts;        // "" → a default
};

struct StartResult {
  bool already_running = false;
  v1::Container container;
};

struct WaitResult {
  int exit_code = 0;
  std::string error;
};

struct LogsRequest {
  std::string container;
  bool follow = false;
  bool stdout = true;
  bool stderr = true;
  int tail = -1;  // -1: all
  int64_t since_unix_nano = 0;
};

using Cancelled = std::function<bool()>;

class ContainerManager {
 public:
  // Opens the store (schema check), then Recover()s. Errors: the store's.
  // Real berth-shims (config.shim_path) and the real clock.
  static absl::StatusOr<std::unique_ptr<ContainerManager>> Create(const ManagerConfig& config,
                                                                   RuntimedMetrics* metrics);
  // The same over the given seams (tests: FakeShimRuntime, FakeClock). The
  // runtime is shared so that it can outlive this manager, as shims do.
  static absl::StatusOr<std::unique_ptr<ContainerManager>> Create(
      const ManagerConfig& config, RuntimedMetrics* metrics, std::shared_ptr<ShimRuntime> shims,
      std::shared_ptr<Clock> clock);
  // Stops watching shims (containers keep running) and joins the threads.
  ~ContainerManager();

  // Records a container. InvalidArgument for a bad id/name or no command;
  // AlreadyExists (Docker's conflict text) for a used name or id.
  absl::StatusOr<v1::Container> CreateContainer(const CreateRequest& request);
  // Spawns the shim, connects pending attaches, releases the process.
  // FailedPrecondition for a wrong state, Aborted "already starting" while
  // another start of it is in progress; a start failure keeps the executor's
  // words (InvalidArgument for exec errors) and records them in State.Error.
  absl::StatusOr<StartResult> StartContainer(const StartRequest& request);
  // Signals, waits up to the timeout (-1: the container's, default 10 s),
  // then SIGKILLs. Returns already_stopped=true when it was not running.
  absl::StatusOr<bool> StopContainer(const std::string& ref, int timeout_seconds,
                                     const std::string& signal);
  // FailedPrecondition "Container <id> is not running" when not running.
  absl::Status KillContainer(const std::string& ref, const std::string& signal);
  // FailedPrecondition unless stopped or force (then killed and waited for).
  // With remove_volumes, its anonymous volumes no other container mounts go too.
  absl::StatusOr<v1::Container> RemoveContainer(const std::string& ref, bool force,
                                                bool remove_volumes = false);

  // Volumes (container_volumes.cc); the rules are runtimed.proto's. A volume
  // is in use while any container record, running or not, mounts it.
  absl::StatusOr<v1::Volume> CreateVolume(const volumes::CreateVolumeOptions& options);
  absl::StatusOr<v1::Volume> InspectVolume(const std::string& name);
  // with_size: each Volume.size filled (bytes of its data; -1 when unreadable).
  absl::StatusOr<std::vector<v1::Volume>> ListVolumes(const v1::VolumeFilters& filters,
                                                      bool with_size = false);
  // FailedPrecondition "remove <name>: volume is in use - [<ids>]".
  absl::Status RemoveVolume(const std::string& name, bool force);
  absl::StatusOr<v1::PruneVolumesResponse> PruneVolumes(const v1::VolumeFilters& filters);
  std::vector<v1::Container> ListContainers(bool all);
  absl::StatusOr<v1::Container> InspectContainer(const std::string& ref);
  // Blocks per `condition`; `registered` runs once the waiter is in place.
  // Cancelled when `cancelled` turns true.
  absl::StatusOr<WaitResult> WaitContainer(const std::string& ref, v1::WaitCondition condition,
                                           const std::function<void()>& registered,
                                           const Cancelled& cancelled);
  // Streams the json-file log to `sink` (false stops), following while the
  // container runs when asked. `flush` (optional; false stops) is called
  // after the backlog and after each burst read while following, so a
  // batching sink sends what it holds without delaying live lines.
  absl::Status ContainerLogs(const LogsRequest& request,
                             const std::function<bool(const logs::LogLine&)>& sink,
                             const Cancelled& cancelled,
                             const std::function<bool()>& flush = nullptr);
  // Registers an attach client; connected now if running, else at Start.
  absl::StatusOr<std::shared_ptr<AttachSession>> Attach(const std::string& ref,
                                                        AttachOptions options);
  // FailedPrecondition when not running; a no-op without a tty.
  absl::Status ResizeContainer(const std::string& ref, uint32_t height, uint32_t width);
  // docker update: validates `update` (dockerd's texts), merges its set
  // fields into the record and writes them to the running container's cgroup.
  // Returns dockerd's warnings for discarded limits.
  // With `restart_policy`, replaces the policy too (dockerd's texts; refused
  // for an auto-remove container).
  absl::StatusOr<std::vector<std::string>> UpdateContainer(
      const std::string& ref, const v1::Resources& update,
      const v1::RestartPolicy* restart_policy = nullptr);

  // Records one healthcheck probe of the run started at `started_unix_nano`
  // (Docker's rules: health/health_state.h), saves it and emits
  // "health_status: <status>" when the status changed. Returns the health.
  // FailedPrecondition when that run is over (exited, restarted, removed).
  absl::StatusOr<v1::ContainerHealth> RecordHealthProbe(const std::string& id,
                                                        int64_t started_unix_nano,
                                                        const v1::HealthLogEntry& probe);

  // Emits a container event for `id` with its name, image and labels (the
  // exec_* events of ExecManager). Nothing when the container is gone.
  void EmitContainerEvent(const std::string& id, const std::string& action,
                          std::map<std::string, std::string> extra = {});

  // Replaces the networks (EndpointsConfig) of a container that is not
  // running; FailedPrecondition while it runs or starts.
  absl::StatusOr<v1::Container> SetContainerNetworks(
      const std::string& ref, const std::vector<v1::NetworkEndpointSettings>& networks);

  // docker pause / unpause (container_ops.cc): freezes / thaws the cgroup,
  // records `paused`, emits pause / unpause. FailedPrecondition with
  // dockerd's texts for a container not running, already paused, not paused.
  absl::Status PauseContainer(const std::string& ref);
  absl::Status UnpauseContainer(const std::string& ref);
  // docker top: `ps <ps_args>` on the host, rows filtered to the processes
  // in the container's cgroup. FailedPrecondition when not running;
  // InvalidArgument for ps_args dockerd refuses; ps's error when it fails.
  absl::StatusOr<TopResult> TopContainer(const std::string& ref, const std::string& ps_args);
  // docker rename. InvalidArgument for a bad or unchanged name,
  // AlreadyExists (dockerd's conflict text) for a name in use.
  absl::StatusOr<RenameResult> RenameContainer(const std::string& ref,
                                               const std::string& new_name);

  // The runtimes and --init binary of this host (spec/runtimes.h).
  v1::RuntimeInfoResponse RuntimeInfo() const;

  EventLog& events() { return events_; }

 private:
  struct Entry {
    v1::Container record;
    bool starting = false;
    bool removing = false;
    uint64_t exits = 0;  // bumped on every exit (wait next-exit)
    std::vector<std::shared_ptr<AttachSession>> pending_attaches;
    // Restart policy (container_restart.cc). A stop or kill by the user
    // cancels the policy until the next user start (dockerd's restart
    // manager); restart_delay is the last backoff; a pending restart runs
    // only while restart_generation is the one it was scheduled with.
    bool restart_cancelled = false;
    absl::Duration restart_delay;
    uint64_t restart_generation = 0;
  };
  struct Restarter {
    std::thread thread;
    std::atomic<bool> done{false};
  };
  struct Watcher {
    std::thread thread;
    std::shared_ptr<ExitWatch> watch;
    std::atomic<bool> done{false};
  };

  ContainerManager(const ManagerConfig& config, std::unique_ptr<store::RecordStore> store,
                   std::unique_ptr<volumes::VolumeStore> volumes, RuntimedMetrics* metrics, std::shared_ptr<ShimRuntime> shims,
                   std::shared_ptr<Clock> clock);

  // Startup reconcile: adopt live shims, settle the exits that happened
  // while runtimed was away, kill shims of containers that never started.
  absl::Status Recover();
  void RecoverRunning(Entry& entry) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Resolves id, name or unique id prefix. NotFound "No such container: <ref>".
  absl::StatusOr<Entry*> Resolve(const std::string& ref) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool NameTaken(const std::string& name) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Ids of the containers whose records mount volume `name`.
  std::vector<std::string> VolumeUsers(const std::string& name) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The volume with its users filled in.
  v1::Volume WithUsers(v1::Volume volume) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // rm -v: the record's anonymous volumes that nothing else mounts.
  void RemoveAnonymousVolumes(const v1::Container& record) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Start steps that run without the lock (files, shim, attaches).
  absl::StatusOr<pid_t> LaunchAndRelease(const v1::Container& record, const StartRequest& request,
                                         std::unique_ptr<ExitWatch>* watch);
  absl::Status WriteContainerFiles(const v1::Container& record, const StartRequest& request);
  void ConnectAttaches(const std::string& id, std::vector<std::shared_ptr<AttachSession>> sessions);
  // Launches `record` (already marked starting) and makes it running, or
  // records the failure. Shared by StartContainer and policy restarts.
  absl::StatusOr<StartResult> LaunchMarkedStarting(v1::Container record,
                                                   const StartRequest& request);
  void RecordStartFailure(const std::string& id, const absl::Status& error);

  // Restart policies (container_restart.cc). Decides at an exit whether the
  // policy restarts the container in place (counting it and computing the
  // backoff); false also when its network namespace is gone (then apid's
  // start at stack start brings it back).
  bool WantsRestartLocked(Entry& entry, absl::Duration ran_for)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Runs RestartAfter on its own thread.
  void ScheduleRestart(const std::string& id, uint64_t generation, absl::Duration delay);
  // Waits `delay` on clock_, then starts the container again in the same
  // netns and rootfs, unless the restart was called off meanwhile.
  void RestartAfter(const std::string& id, uint64_t generation, absl::Duration delay);
  // A stop, kill or removal by the user (Docker's HasBeenManuallyStopped):
  // the policy is off until the next user start, and a container waiting to
  // restart is settled as exited.
  // Waits for a policy restart in flight to finish first. Returns the entry
  // again (null when it went meanwhile).
  Entry* CancelRestartPolicyLocked(const std::string& id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Recover() of a record left "restarting": the restart runs again (a
  // shim left from a restart cut short is killed first).
  void RecoverRestarting(Entry& entry) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Whether the record's network namespace is still there.
  bool NetnsPresent(const v1::Container& record) const;

  void StartWatcher(const std::string& id, std::shared_ptr<ExitWatch> watch);
  void WatchExit(const std::string& id, ExitWatch& watch);
  void HandleExit(const std::string& id, const spec::ExitRecord& exit);
  void SettleExitLocked(Entry& entry, const spec::ExitRecord& exit)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The exit the shim recorded (255 when none: it died without recording).
  spec::ExitRecord RecordedExitOr255(const std::string& id);
  // Waits until the container's exit counter passes `exits`, up to `timeout`
  // on clock_.
  bool AwaitExit(const std::string& id, uint64_t exits, absl::Duration timeout)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status SignalShim(const std::string& id, int signal);
  // container_ops.cc. The container's cgroup (config_.open_cgroup).
  absl::StatusOr<std::unique_ptr<cgroups::CgroupManager>> OpenCgroup(const std::string& id);
  // A paused container that was just sent a signal that ends it (SIGKILL or
  // its stop signal) is thawed, as dockerd does, so the signal is acted on.
  void ThawAfterSignalLocked(const std::string& id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Recovery: a running or paused record takes its cgroup's freezer state.
  void SyncPausedLocked(Entry& entry) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Drops the record and dir, ends pending attaches, emits destroy.
  absl::Status RemoveLocked(const std::string& id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  void Emit(const v1::Container& record, const std::string& action,
            std::map<std::string, std::string> extra = {});
  // Volume events (Docker's type "volume": create, mount, destroy).
  void EmitVolume(const std::string& name, const std::string& action,
                  std::map<std::string, std::string> extra = {});
  void EmitVolumeMounts(const v1::Container& record);
  void UpdateGauges() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status Save(const v1::Container& record);

  const ManagerConfig config_;
  const Paths paths_;
  std::unique_ptr<store::RecordStore> store_;
  std::unique_ptr<volumes::VolumeStore> volumes_;
  RuntimedMetrics* metrics_;  // may be null (tests)
  const std::shared_ptr<ShimRuntime> shims_;
  const std::shared_ptr<Clock> clock_;
  EventLog events_;

  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::unique_ptr<Entry>> entries_ ABSL_GUARDED_BY(mu_);
  absl::BitGen gen_ ABSL_GUARDED_BY(mu_);
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
  // Exit codes of removed containers, for waiters that wake after removal.
  absl::flat_hash_map<std::string, int> removed_exit_codes_ ABSL_GUARDED_BY(mu_);

  SeccompCache seccomp_cache_;
  absl::Mutex watchers_mu_;
  std::list<std::unique_ptr<Watcher>> watchers_ ABSL_GUARDED_BY(watchers_mu_);
  // Joined before the watchers at destruction: a restart in flight may
  // still start a watcher.
  absl::Mutex restarters_mu_;
  std::list<std::unique_ptr<Restarter>> restarters_ ABSL_GUARDED_BY(restarters_mu_);
};

}  // namespace berth::runtimed
