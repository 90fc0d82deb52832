#pragma once

// imaged's metric families, built once on the daemon's registry and passed to
// the ImageManager. Names follow Prometheus conventions; no unbounded labels.

#include <memory>

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
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
  // Registries (issue 8).
  prometheus::Counter* pulls_ok = nullptr;          // berth_imaged_pulls_total{result="ok"}
  prometheus::Counter* pulls_failed = nullptr;      // berth_imaged_pulls_total{result="error"}
  prometheus::Counter* pushes_ok = nullptr;         // berth_imaged_pushes_total{result="ok"}
  prometheus::Counter* pushes_failed = nullptr;     // berth_imaged_pushes_total{result="error"}
  // Blob bytes received from / sent to registries (mounted blobs send none).
  prometheus::Counter* pulled_bytes = nullptr;  // berth_imaged_registry_bytes_total{direction="pull"}
  prometheus::Counter* pushed_bytes = nullptr;  // berth_imaged_registry_bytes_total{direction="push"}
  // Seconds from a received layer's first byte to its verified unpacked tree
  // (pull and load; download and unpack overlap, so this bounds both).
  prometheus::Histogram* layer_unpack_seconds = nullptr;  // berth_imaged_layer_unpack_seconds
  // Bytes the store holds: unpacked layers and blobs (configs, layer archives).
  prometheus::Gauge* store_layer_bytes = nullptr;  // berth_imaged_store_bytes{kind="layers"}
  prometheus::Gauge* store_blob_bytes = nullptr;   // berth_imaged_store_bytes{kind="blobs"}
};

}  // namespace berth::imaged
