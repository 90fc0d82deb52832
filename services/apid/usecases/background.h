#pragma once

// Background work of the container use cases: follows runtimed's event stream
// (reconnecting when runtimed restarts) and reconciles the services' views at
// start and every `reconcile_interval`.

#include <chrono>
#include <memory>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "services/apid/clients/clients.h"
#include "services/apid/usecases/container_service.h"

namespace berth::apid {

class BackgroundTasks {
 public:
  BackgroundTasks(ContainerService& containers, RuntimedClient& runtimed,
                  std::chrono::milliseconds reconcile_interval);
  // Stops both loops (cancels the event stream) and joins them.
  ~BackgroundTasks();

  void Start();

 private:
  void FollowEvents();
  void ReconcileLoop();
  // Sleeps up to `d`; true when asked to stop.
  bool WaitForStop(std::chrono::milliseconds d);

  ContainerService& containers_;
  RuntimedClient& runtimed_;
  std::chrono::milliseconds reconcile_interval_;
  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  EventStream* current_ ABSL_GUARDED_BY(mu_) = nullptr;
  std::thread events_thread_;
  std::thread reconcile_thread_;
};

}  // namespace berth::apid
