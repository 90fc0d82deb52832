// The healthcheck scheduler (Docker's HEALTHCHECK): one probe loop per
// running container whose config has a healthcheck. It follows runtimed's
// own event log (a "start" begins a loop for that run, "die"/"destroy" ends
// it) and, when it starts, picks up every container already running, so
// checks go on across a runtimed restart. Each probe runs as an exec in the
// container (ProbeRunner); the result goes into the record through
// ContainerManager::RecordHealthProbe, which applies Docker's rules and
// emits "health_status: <status>" on a change.
//
// Threads: one follower thread, one thread per probe loop; waits are on the
// Clock, so unit tests drive them with a FakeClock and a fake ProbeRunner.
#pragma once

#include <atomic>
#include <list>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "common/time/clock.h"
#include "services/runtimed/container_manager.h"

namespace berth::runtimed {

class ExecManager;

namespace health {

struct ProbeResult {
  int exit_code = 0;  // -1: could not run or timed out
  std::string output;
};

// Runs one probe command in a running container.
class ProbeRunner {
 public:
  virtual ~ProbeRunner() = default;
  // Runs `argv` as the container's user with its env and cwd, and waits up
  // to `timeout` (then the probe is killed: exit -1 with dockerd's "Health
  // check exceeded timeout" text). Returns early (exit -1) once `cancelled`.
  virtual ProbeResult Run(const std::string& container_id, const std::vector<std::string>& argv,
                          absl::Duration timeout, const std::function<bool()>& cancelled) = 0;
};

// The real runner: an exec through runtimed's ExecManager, output captured
// from its attach session (first 4096 bytes, as dockerd).
class ExecProbeRunner final : public ProbeRunner {
 public:
  explicit ExecProbeRunner(ExecManager& execs) : execs_(execs) {}
  ProbeResult Run(const std::string& container_id, const std::vector<std::string>& argv,
                  absl::Duration timeout, const std::function<bool()>& cancelled) override;

 private:
  ExecManager& execs_;
};

class HealthMonitor {
 public:
  HealthMonitor(ContainerManager& containers, ProbeRunner& probes, std::shared_ptr<Clock> clock);
  // Ends every loop (a probe in flight is abandoned) and joins the threads.
  ~HealthMonitor();

  // Picks up the running containers and follows the event log.
  void Start();

 private:
  struct Loop {
    std::string id;
    int64_t started_unix_nano = 0;
    bool cancelled = false;  // guarded by HealthMonitor::mu_
    std::thread thread;
    std::atomic<bool> done{false};
  };

  void Follow(int64_t since_unix_nano);
  // Starts a loop for the container's current run unless one runs already.
  void Watch(const std::string& id);
  void Unwatch(const std::string& id);
  void RunLoop(Loop* loop);

  ContainerManager& containers_;
  ProbeRunner& probes_;
  const std::shared_ptr<Clock> clock_;

  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  absl::flat_hash_map<std::string, Loop*> active_ ABSL_GUARDED_BY(mu_);
  std::list<std::unique_ptr<Loop>> loops_ ABSL_GUARDED_BY(mu_);
  std::thread follower_;
};

}  // namespace health
}  // namespace berth::runtimed
