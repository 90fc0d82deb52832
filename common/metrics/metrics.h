#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace prometheus {
class Exposer;
class Collectable;
class Registry;
}  // namespace prometheus

namespace berth::metrics {

// The Prometheus endpoint of one daemon: a registry with the process metrics
// already in it, exposed over HTTP at /metrics.
class MetricsServer {
 public:
  // Listens on `address` ("127.0.0.1:9411"; port 0 picks a free port). When
  // `address_file` is not empty, writes the bound "host:port" there atomically so
  // a launcher can find an endpoint whose port was chosen by the kernel.
  static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(const std::string& address,
                                                              const std::string& address_file);
  ~MetricsServer();

  prometheus::Registry& registry() { return *registry_; }
  // Adds a collectable read at every scrape (the server keeps it alive).
  // Remove it before anything it reads goes away: removal waits for a scrape
  // in progress.
  void AddCollectable(std::shared_ptr<prometheus::Collectable> collectable);
  void RemoveCollectable(const std::shared_ptr<prometheus::Collectable>& collectable);
  const std::string& bound_address() const { return bound_address_; }

 private:
  MetricsServer() = default;
  // The exposer only keeps weak references: both collectables live here.
  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<prometheus::Collectable> process_collector_;
  std::vector<std::shared_ptr<prometheus::Collectable>> extra_collectables_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  std::string bound_address_;
};

}  // namespace berth::metrics
