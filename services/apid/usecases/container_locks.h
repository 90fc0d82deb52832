#pragma once

// Per-container serialization of apid's state-changing work. Every workflow
// that hands a container between services (create, start, restart, stop,
// remove, the undo of a failed step, the clean-up after runtimed's events)
// runs in the container's "turn": one at a time per container id, any number
// in parallel across containers. Events are posted, not run inline, so a slow
// start of one container never holds up the events of another, and the
// events of one container run in the order they were posted.

#include <deque>
#include <functional>
#include <list>
#include <map>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace berth::apid {

class ContainerLocks {
 public:
  ContainerLocks() = default;
  ContainerLocks(const ContainerLocks&) = delete;
  ContainerLocks& operator=(const ContainerLocks&) = delete;
  // Runs what is still queued, then joins the workers.
  ~ContainerLocks();

  // The container's turn, held for the guard's lifetime.
  class Turn {
   public:
    Turn(ContainerLocks& locks, std::string id);
    ~Turn();
    Turn(const Turn&) = delete;
    Turn& operator=(const Turn&) = delete;

   private:
    ContainerLocks& locks_;
    std::string id_;
  };

  // Queues `fn` to run in `id`'s turn on a worker thread, after everything
  // posted for `id` before it.
  void Post(const std::string& id, std::function<void()> fn);

  // True while `id`'s turn is held or waited for, or work for it is queued.
  bool Busy(const std::string& id);

  // Every id that is Busy() now.
  std::vector<std::string> BusyIds();

  // Blocks until nothing is queued (tests; shutdown).
  void Drain();

 private:
  struct Slot {
    bool held = false;
    int users = 0;                            // holders and waiters
    std::deque<std::function<void()>> queue;  // posted, front is running
  };
  struct Worker {
    std::thread thread;
    bool done = false;
  };

  void Acquire(const std::string& id);
  void Release(const std::string& id);
  void RunQueue(const std::string& id, Worker* self);
  // Drops the slot once nobody uses it.
  void MaybeErase(const std::string& id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ReapLocked(std::list<Worker>& finished) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  std::map<std::string, Slot> slots_ ABSL_GUARDED_BY(mu_);
  std::list<Worker> workers_ ABSL_GUARDED_BY(mu_);
  int queued_ids_ ABSL_GUARDED_BY(mu_) = 0;  // ids with a non-empty queue
};

}  // namespace berth::apid
