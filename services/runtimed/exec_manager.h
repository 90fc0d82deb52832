// docker exec in runtimed: exec records, and one exec shim (berth-shim in
// its join mode, spec/exec_spec.h) per started exec. The exec shim joins the
// container init's namespaces and cgroup and confines the process with the
// container's own config.json, so an exec is exactly as confined as the main
// process; it is reached through its own ShimRuntime keyed by exec id (the
// same seam, and so the same fake, as containers).
//
// Records are kept in memory and written to `<exec state>/records/<id>.json`
// at every change, so they survive a runtimed restart or SIGKILL: the new
// manager loads them, watches the exec shims still running (their exec keeps
// Running) and settles the others from their exit.json (255 when there is
// none), as container recovery does. Exec processes outlive runtimed like
// containers do (their shims are detached) and die with the container's pid
// namespace.
//
// Threads: every public method may be called concurrently; one watcher
// thread per running exec waits for its exit.
#pragma once

#include <atomic>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/random/random.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "berth/v1/exec.pb.h"
#include "services/runtimed/attach_session.h"
#include "services/runtimed/container_manager.h"
#include "services/runtimed/metrics.h"
#include "services/runtimed/paths.h"
#include "services/runtimed/shim_runtime.h"

namespace berth::runtimed {

class ExecManager {
 public:
  // `container_paths`: where the containers' config.json are (the
  // manager's Paths); `exec_paths`: where exec shims keep their config,
  // socket and exit record (keyed by exec id); `shims`: the exec shims.
  ExecManager(ContainerManager& containers, Paths container_paths, Paths exec_paths,
              std::shared_ptr<ShimRuntime> shims, spec::HostFacts host, RuntimedMetrics* metrics);
  // Loads the records a previous runtimed left and recovers them (above).
  // Stops watching (exec processes keep running) and joins the watchers.
  ~ExecManager();

  // Records an exec. NotFound for an unknown container, FailedPrecondition
  // "container <id> is not running" for one that is not running,
  // InvalidArgument for a bad config (spec::ValidateExecConfig).
  absl::StatusOr<v1::ExecInspect> Create(const std::string& container,
                                         const v1::ExecConfig& config);
  // Starts an exec once. With `attach`, returns the session of the exec's
  // streams (per its config), connected before the process is released so
  // no output is lost; detached, returns nullptr. NotFound "No such exec
  // instance: <id>"; FailedPrecondition when it was already started or the
  // container is no longer running; a setup or exec failure keeps the
  // executor's words (InvalidArgument "exec: ...") and the exec is then
  // exited with 126 (127 when the executable was not found), like Docker.
  absl::StatusOr<std::shared_ptr<AttachSession>> Start(const std::string& exec_id, bool attach,
                                                       uint32_t height, uint32_t width);
  // Sets the exec's pty size (no-op without a tty). FailedPrecondition when
  // it is not running.
  absl::Status Resize(const std::string& exec_id, uint32_t height, uint32_t width);
  absl::StatusOr<v1::ExecInspect> Inspect(const std::string& exec_id);
  // Signals a running exec's process (a healthcheck probe past its
  // timeout). OK when it is not running (any more).
  absl::Status Kill(const std::string& exec_id, int signal);
  // Blocks until the exec's exit is settled (or `timeout`); false on timeout
  // or for an unknown exec.
  bool AwaitExit(const std::string& exec_id, absl::Duration timeout);

  // The exit code Docker gives an exec that could not be started.
  static int StartFailureExitCode(const absl::Status& error);

 private:
  struct Watcher {
    std::thread thread;
    std::shared_ptr<ExitWatch> watch;
    std::atomic<bool> done{false};
  };

  absl::StatusOr<v1::Container> RunningContainer(const std::string& ref);
  // Writes the exec shim's config.json; returns its path.
  absl::StatusOr<std::string> WriteExecConfig(const v1::Container& container,
                                              const v1::ExecInspect& exec);
  absl::StatusOr<std::shared_ptr<AttachSession>> Launch(const v1::Container& container,
                                                        const v1::ExecInspect& exec, bool attach,
                                                        uint32_t height, uint32_t width);
  void Settle(const std::string& exec_id, int exit_code);
  void StartWatcher(const std::string& exec_id, std::shared_ptr<ExitWatch> watch);
  void PruneLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // "<exec state>/records/<id>.json".
  std::string RecordFile(const std::string& exec_id) const;
  // Writes the record (atomically); a failure is logged, never fatal: the
  // record in memory stays the truth while this runtimed runs.
  void SaveLocked(const v1::ExecInspect& exec) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Recover();

  ContainerManager& containers_;
  const Paths container_paths_;
  const Paths exec_paths_;
  const std::shared_ptr<ShimRuntime> shims_;
  const spec::HostFacts host_;
  RuntimedMetrics* metrics_;  // may be null (tests)

  absl::Mutex mu_;
  absl::flat_hash_map<std::string, v1::ExecInspect> execs_ ABSL_GUARDED_BY(mu_);
  std::list<std::string> order_ ABSL_GUARDED_BY(mu_);  // creation order, for pruning
  absl::BitGen gen_ ABSL_GUARDED_BY(mu_);
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;

  absl::Mutex watchers_mu_;
  std::list<std::unique_ptr<Watcher>> watchers_ ABSL_GUARDED_BY(watchers_mu_);
};

}  // namespace berth::runtimed
