#pragma once

// imaged's metric families, built once on the daemon's registry and passed to
// the ImageManager. Names follow Prometheus conventions; no unbounded labels.

#include <memory>

namespace prometheus {
class Counter;
class Gauge;
class Registry;
}  // namespace prometheus

namespace berth::imaged {

struct ImagedMetrics {
  // Registers the families on `registry`, which must outlive the struct.
  static std::unique_ptr<ImagedMetrics> Create(prometheus::Registry& registry);

  prometheus::Gauge* images = nullptr;              // berth_imaged_images
  prometheus::Gauge* layers = nullptr;              // berth_imaged_layers
  prometheus::Gauge* snapshots = nullptr;           // berth_imaged_snapshots
  prometheus::Counter* import_bytes = nullptr;      // berth_imaged_import_bytes_total
  prometheus::Counter* imports_ok = nullptr;        // berth_imaged_imports_total{result="ok"}
  prometheus::Counter* imports_failed = nullptr;    // berth_imaged_imports_total{result="error"}
  prometheus::Counter* images_removed = nullptr;    // berth_imaged_images_removed_total
};

}  // namespace berth::imaged
