#pragma once

// The container use cases: every container workflow of design.md "Lifetimes
// and hand-offs" (create, start, stop, kill, restart, wait, logs, attach,
// remove, inspect, list, resize), the clean-up after runtimed's events and the
// reconcile, with undo on failure so nothing leaks. The faces (REST, gRPC,
// any later one) translate their requests into one call here and the result
// back; they hold no workflow of their own. No HTTP or gRPC server types here.
//
// Serialization: everything that changes what a container holds in another
// service (its endpoint in netd, its snapshot in imaged, its record and
// process in runtimed) runs in the container's turn (ContainerLocks): two
// starts, a start and a stop, a restart and a late "die", a remove and a
// start never interleave. Kill and the read-only calls take no turn (a kill
// must reach a container whose stop is still waiting for it to exit).

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "berth/v1/api.pb.h"
#include "berth/v1/types.pb.h"
#include "services/apid/clients/clients.h"
#include "services/apid/usecases/container_locks.h"
#include "services/apid/usecases/container_query.h"

namespace berth::apid {

// 64 random lowercase hex characters.
std::string RandomContainerId();

class ContainerService {
 public:
  struct CreateResult {
    std::string id;
    std::vector<std::string> warnings;
  };

  // What an attach client asks for (Docker's attach query, berth's open).
  struct AttachOptions {
    bool stdin = false;
    bool stdout = false;
    bool stderr = false;
    bool logs = false;  // replay the log first
  };

  // An attach registered with runtimed (runtimed acknowledged it, so no output
  // of a start that follows is missed), with the container it belongs to.
  struct OpenAttach {
    v1::Container container;
    std::unique_ptr<AttachStream> stream;
  };

  // A log stream with the container it belongs to (its tty flag decides the
  // framing).
  struct OpenLogs {
    v1::Container container;
    std::unique_ptr<LogStream> stream;
  };

  // `new_id` makes container ids (tests pass a fixed one).
  ContainerService(ImagedClient& imaged, NetdClient& netd, RuntimedClient& runtimed,
                   std::function<std::string()> new_id = RandomContainerId);

  // imaged.InspectImage → merge image defaults → PrepareSnapshot →
  // runtimed.CreateContainer; the snapshot is removed again when the record
  // fails. NOT_FOUND "No such image: <ref>" passes through (the docker CLI then
  // pulls); INVALID_ARGUMENT for an unsupported network mode, a bad name or no
  // command; ALREADY_EXISTS for a name in use (runtimed's text).
  absl::StatusOr<CreateResult> Create(const std::string& name, const v1::ContainerConfig& config);

  // netd.Attach → runtimed.StartContainer. Returns true when the container
  // was already running (Docker's 304). On failure: detaches the endpoint
  // only when this call's Attach created it, removes an auto-remove container
  // (so clients waiting for its removal return, as with Docker), and returns
  // the start error with its text intact. FAILED_PRECONDITION "already
  // starting" when runtimed is starting it for someone else (nothing undone).
  absl::StatusOr<bool> Start(const std::string& container);

  // Stops (signal, then SIGKILL after `timeout_seconds`; -1 the container's
  // own). Returns true when it was not running (Docker's 304). The network
  // goes with the "die" event.
  absl::StatusOr<bool> Stop(const std::string& container, int timeout_seconds,
                            const std::string& signal);

  // Stop and start as one workflow in the container's turn: the "die" of the
  // stop is handled after the start and sees the container running again.
  absl::Status Restart(const std::string& container, int timeout_seconds);

  // Sends a signal (default SIGKILL). No turn: see the header comment.
  absl::Status Kill(const std::string& container, const std::string& signal);

  // runtimed.RemoveContainer → netd.Detach → imaged.RemoveSnapshot. Once the
  // record is gone the removal has happened: a failed clean-up step is logged
  // and left to Reconcile(), not reported as a failed removal. With
  // remove_volumes (rm -v) runtimed drops its anonymous volumes too.
  absl::Status Remove(const std::string& container, bool force, bool remove_volumes = false);

  // The container's resource figures (runtimed reads its cgroups and netns).
  absl::StatusOr<v1::ContainerStats> Stats(const std::string& container);
  // Live limits (docker update); serialized with the container's other work.
  absl::StatusOr<v1::UpdateContainerResponse> Update(const v1::UpdateContainerRequest& request);

  // docker pause / unpause (runtimed freezes the cgroup), in the turn.
  absl::Status Pause(const std::string& container);
  absl::Status Unpause(const std::string& container);
  // docker top: runtimed runs ps over the container's cgroup. No turn.
  absl::StatusOr<v1::TopContainerResponse> Top(const std::string& container,
                                               const std::string& ps_args);
  // docker rename: runtimed renames the record; a container with a network
  // endpoint (running) has it renamed in netd too, so the embedded DNS
  // answers the new name. A failed endpoint rename puts the old name back.
  absl::Status Rename(const std::string& container, const std::string& new_name);
  // docker container prune: every stopped container the filters select
  // (prune_filters.h) is removed as Remove does. Removals that fail are
  // logged and skipped, as dockerd does. InvalidArgument for bad filters.
  absl::StatusOr<v1::PruneContainersResponse> Prune(
      const std::map<std::string, std::vector<std::string>>& filters);

  absl::StatusOr<v1::Container> Inspect(const std::string& container);
  // docker ps: the containers the query selects, newest first, at most
  // `limit`. InvalidArgument "invalid filter 'x'" for an unknown filter key.
  absl::StatusOr<std::vector<v1::Container>> List(const ContainerListQuery& query);
  absl::Status Resize(const std::string& container, uint32_t height, uint32_t width);

  // The streaming use cases; `parent` is the public gRPC call being served
  // (cancels the backend call with it), null for REST.
  std::unique_ptr<WaitStream> Wait(const std::string& container, v1::WaitCondition condition,
                                   const grpc::ServerContextBase* parent);
  absl::StatusOr<OpenLogs> Logs(const v1::ContainerLogsRequest& request,
                                const grpc::ServerContextBase* parent);
  absl::StatusOr<OpenAttach> Attach(const std::string& container, const AttachOptions& options);
  // A raw attach call for a face that forwards its client's own open message.
  std::unique_ptr<AttachStream> AttachRaw(const grpc::ServerContextBase* parent);

  // Queues the handling of a runtimed event in its container's turn: "die"
  // detaches the network unless the container runs again, "destroy" detaches
  // and removes the snapshot. Events of one container are handled in order.
  void PostEvent(const v1::Event& event);
  // Handles an event now, in the container's turn (blocks for it).
  void HandleEvent(const v1::Event& event);
  // Waits until posted events are handled (tests, shutdown).
  void DrainEvents();

  // Compares the services' views and cleans up what belongs to no container:
  // snapshots without a record, endpoints of containers not running. Skips
  // containers with work in their turn. Deletes nothing when a listing fails
  // (returns that error).
  absl::Status Reconcile();

  // The per-container turn, for use cases beside this one that must not run
  // alongside a start (ContainerFileService on a stopped container's snapshot).
  ContainerLocks& locks() { return locks_; }
  // Starts, through the normal start workflow (so with a network), the
  // stopped containers whose restart policy wants them running when the
  // engine starts (common/lifecycle/restart_policy.h ShouldStartWithEngine),
  // as dockerd does at its start. An error when the listing failed (the
  // caller retries); a container that fails to start is logged.
  absl::Status StartPolicyContainers();

 private:
  // The workflows below run in the container's turn.
  // The netd Attach request for starting `record`: -P expanded into port
  // bindings, links and container: mode resolved against runtimed (Docker's
  // texts when the other container does not run), ports dropped in host mode.
  absl::StatusOr<v1::AttachRequest> AttachRequestFor(const v1::Container& record);
  absl::StatusOr<bool> StartHeld(const v1::Container& record);
  absl::StatusOr<bool> StopHeld(const std::string& id, int timeout_seconds,
                                const std::string& signal);
  absl::Status RemoveHeld(const std::string& id, bool force, bool remove_volumes = false);
  // After the record is gone: detach the endpoint and remove the snapshot
  // (idempotent; failures are logged and left to Reconcile()). In the turn.
  void ReleaseAfterRemoval(const std::string& id);
  void HandleEventHeld(const v1::Event& event);

  ImagedClient& imaged_;
  NetdClient& netd_;
  RuntimedClient& runtimed_;
  std::function<std::string()> new_id_;
  ContainerLocks locks_;
};

}  // namespace berth::apid
