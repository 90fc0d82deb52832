#include "services/apid/rest/worker_pool.h"

#include <system_error>
#include <thread>

#include "spdlog/spdlog.h"

namespace berth::apid::rest {

WorkerPool::WorkerPool(int max_threads, absl::Duration idle_exit)
    : max_threads_(max_threads < 1 ? 1 : max_threads), idle_exit_(idle_exit) {}

bool WorkerPool::TryReserve() {
  absl::MutexLock lock(&mu_);
  if (stopping_ || busy_ >= max_threads_) return false;
  ++busy_;
  return true;
}

void WorkerPool::Run(absl::AnyInvocable<void()> task) {
  absl::MutexLock lock(&mu_);
  queue_.push_back(std::move(task));
  // Every thread beyond the running tasks is idle or about to look at the
  // queue, so it picks this task up. Otherwise start one: busy_ counts this
  // task and never exceeds max_threads_, so neither do the threads.
  if (threads_ >= busy_) return;
  try {
    std::thread([this] { WorkerLoop(); }).detach();
    ++threads_;
  } catch (const std::system_error& e) {
    // Out of threads (ulimit): the task waits for the next thread that frees
    // up; with none at all, it runs here, blocking the caller, rather than
    // never.
    spdlog::error("docker API: cannot start a worker thread: {}", e.what());
    if (threads_ == 0) {
      absl::AnyInvocable<void()> now = std::move(queue_.back());
      queue_.pop_back();
      --busy_;
      mu_.Unlock();
      now();
      mu_.Lock();
    }
  }
}

void WorkerPool::WorkerLoop() {
  absl::MutexLock lock(&mu_);
  while (true) {
    auto ready = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      return !queue_.empty() || stopping_;
    };
    mu_.AwaitWithTimeout(absl::Condition(&ready), idle_exit_);
    if (queue_.empty()) break;  // idle too long, or stopping
    absl::AnyInvocable<void()> task = std::move(queue_.front());
    queue_.pop_front();
    mu_.Unlock();
    task();
    task = nullptr;  // destroy what it captured before the pool counts it done
    mu_.Lock();
    --busy_;
  }
  --threads_;
}

bool WorkerPool::Stop(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  stopping_ = true;
  auto none = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return threads_ == 0; };
  return mu_.AwaitWithTimeout(absl::Condition(&none), timeout);
}

int WorkerPool::busy() const {
  absl::MutexLock lock(&mu_);
  return busy_;
}

int WorkerPool::threads() const {
  absl::MutexLock lock(&mu_);
  return threads_;
}

}  // namespace berth::apid::rest
