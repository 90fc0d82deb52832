#include "services/apid/usecases/container_locks.h"

namespace berth::apid {

ContainerLocks::~ContainerLocks() {
  Drain();
  std::list<Worker> all;
  {
    absl::MutexLock lock(&mu_);
    all.swap(workers_);
  }
  for (Worker& w : all) {
    if (w.thread.joinable()) w.thread.join();
  }
}

ContainerLocks::Turn::Turn(ContainerLocks& locks, std::string id)
    : locks_(locks), id_(std::move(id)) {
  locks_.Acquire(id_);
}

ContainerLocks::Turn::~Turn() { locks_.Release(id_); }

void ContainerLocks::Acquire(const std::string& id) {
  absl::MutexLock lock(&mu_);
  Slot& slot = slots_[id];
  slot.users++;
  mu_.Await(absl::Condition(
      +[](bool* held) { return !*held; }, &slot.held));
  slot.held = true;
}

void ContainerLocks::Release(const std::string& id) {
  absl::MutexLock lock(&mu_);
  Slot& slot = slots_.at(id);
  slot.held = false;
  slot.users--;
  MaybeErase(id);
}

void ContainerLocks::MaybeErase(const std::string& id) {
  auto it = slots_.find(id);
  if (it != slots_.end() && it->second.users == 0 && !it->second.held &&
      it->second.queue.empty()) {
    slots_.erase(it);
  }
}

void ContainerLocks::ReapLocked(std::list<Worker>& finished) {
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (it->done) {
      finished.splice(finished.end(), workers_, it++);
    } else {
      ++it;
    }
  }
}

void ContainerLocks::Post(const std::string& id, std::function<void()> fn) {
  std::list<Worker> finished;
  {
    absl::MutexLock lock(&mu_);
    ReapLocked(finished);
    Slot& slot = slots_[id];
    slot.queue.push_back(std::move(fn));
    if (slot.queue.size() == 1) {
      // No worker runs this id's queue: start one.
      queued_ids_++;
      workers_.emplace_back();
      Worker* self = &workers_.back();
      self->thread = std::thread([this, id, self] { RunQueue(id, self); });
    }
  }
  // Finished workers are past their last use of `this`: joining is quick.
  for (Worker& w : finished) w.thread.join();
}

void ContainerLocks::RunQueue(const std::string& id, Worker* self) {
  while (true) {
    std::function<void()> fn;
    {
      absl::MutexLock lock(&mu_);
      fn = slots_.at(id).queue.front();  // stays queued (Busy) while it runs
    }
    {
      Turn turn(*this, id);
      fn();
    }
    absl::MutexLock lock(&mu_);
    Slot& slot = slots_.at(id);
    slot.queue.pop_front();
    if (slot.queue.empty()) {
      queued_ids_--;
      MaybeErase(id);
      self->done = true;
      return;
    }
  }
}

bool ContainerLocks::Busy(const std::string& id) {
  absl::MutexLock lock(&mu_);
  return slots_.count(id) > 0;
}

std::vector<std::string> ContainerLocks::BusyIds() {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> ids;
  for (const auto& [id, slot] : slots_) ids.push_back(id);
  return ids;
}

void ContainerLocks::Drain() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](int* n) { return *n == 0; }, &queued_ids_));
}

}  // namespace berth::apid
