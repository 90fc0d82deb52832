#pragma once

// A bounded set of threads for the REST requests. Handlers make blocking gRPC
// calls, and some block for as long as a container runs (wait, logs -f,
// attach), so a request cannot share an I/O thread, and a queue would be a
// deadlock: `docker run` holds an attach and a wait open while it sends
// /start, which would queue behind them. So a request either gets a thread at
// once or is refused; threads are started on demand up to the limit and exit
// after a while without work.

#include <deque>

#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace berth::apid::rest {

class WorkerPool {
 public:
  // At most `max_threads` tasks run at once (max_threads >= 1). An idle
  // thread exits after `idle_exit` without work.
  explicit WorkerPool(int max_threads, absl::Duration idle_exit = absl::Seconds(30));

  // Stop() must have returned true (no thread left); otherwise the pool is
  // leaked by its owner instead of destroyed.
  ~WorkerPool() = default;

  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Claims a thread for one task. False when `max_threads` tasks are already
  // claimed or running, or after Stop(). Each true must be followed by
  // exactly one Run().
  bool TryReserve();

  // Runs `task` on a thread claimed by TryReserve(): an idle one, or a new
  // one. Never blocks on other tasks.
  void Run(absl::AnyInvocable<void()> task);

  // Refuses new tasks, wakes idle threads so they exit, and waits up to
  // `timeout` for every thread to end (running tasks must end on their own).
  // True when none is left.
  bool Stop(absl::Duration timeout);

  // Tasks claimed or running, and threads alive: for tests and logs.
  int busy() const;
  int threads() const;

 private:
  void WorkerLoop();

  const int max_threads_;
  const absl::Duration idle_exit_;
  mutable absl::Mutex mu_;
  std::deque<absl::AnyInvocable<void()>> queue_ ABSL_GUARDED_BY(mu_);
  int busy_ ABSL_GUARDED_BY(mu_) = 0;     // reserved and not yet finished
  int threads_ ABSL_GUARDED_BY(mu_) = 0;  // alive, busy or idle
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace berth::apid::rest
