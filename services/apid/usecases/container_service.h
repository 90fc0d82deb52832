#pragma once

// The coordinator: the multi-service workflows of design.md "Lifetimes and
// hand-offs" (create, start, remove, and the clean-up that follows exits and
// removals), with undo on failure so nothing leaks. No HTTP or gRPC server
// types here: the REST and gRPC faces both call into this.

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "berth/v1/types.pb.h"
#include "services/apid/clients/clients.h"

namespace berth::apid {

// 64 random lowercase hex characters.
std::string RandomContainerId();

class Coordinator {
 public:
  struct CreateResult {
    std::string id;
    std::vector<std::string> warnings;
  };

  // `new_id` makes container ids (tests pass a fixed one).
  Coordinator(ImagedClient& imaged, NetdClient& netd, RuntimedClient& runtimed,
              std::function<std::string()> new_id = RandomContainerId);

  // imaged.InspectImage → merge image defaults → PrepareSnapshot →
  // runtimed.CreateContainer; the snapshot is removed again when the record
  // fails. NOT_FOUND "No such image: <ref>" passes through (the docker CLI then
  // pulls); INVALID_ARGUMENT for an unsupported network mode, a bad name or no
  // command; ALREADY_EXISTS for a name in use (runtimed's text).
  absl::StatusOr<CreateResult> Create(const std::string& name, const v1::ContainerConfig& config);

  // netd.Attach → runtimed.StartContainer; detaches again when the start fails
  // and returns the start error with its text intact. Returns true when the
  // container was already running (Docker's 304); nothing is attached then.
  absl::StatusOr<bool> Start(const std::string& container);

  // runtimed.RemoveContainer → netd.Detach → imaged.RemoveSnapshot. Once the
  // record is gone the removal has happened: a failed clean-up step is logged
  // and left to Reconcile(), not reported as a failed removal.
  absl::Status Remove(const std::string& container, bool force);

  // Follows a runtimed event: "die" detaches the network, "destroy" (also
  // AutoRemove) detaches and removes the snapshot. Errors are logged.
  void HandleEvent(const v1::Event& event);

  // Compares the services' views and cleans up what belongs to no container:
  // snapshots without a record, endpoints of containers not running. Skips
  // containers with a create/start in flight. Deletes nothing when a listing
  // fails (returns that error).
  absl::Status Reconcile();

 private:
  // Marks `id` busy for the lifetime of the guard, so Reconcile leaves it alone.
  class InFlight {
   public:
    InFlight(Coordinator& c, std::string id);
    ~InFlight();

   private:
    Coordinator& c_;
    std::string id_;
  };

  bool IsInFlight(const std::string& id);

  ImagedClient& imaged_;
  NetdClient& netd_;
  RuntimedClient& runtimed_;
  std::function<std::string()> new_id_;
  absl::Mutex mu_;
  std::multiset<std::string> in_flight_ ABSL_GUARDED_BY(mu_);
};

}  // namespace berth::apid
