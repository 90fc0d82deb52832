#include "services/imaged/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace berth::imaged {

std::unique_ptr<ImagedMetrics> ImagedMetrics::Create(prometheus::Registry& registry) {
  auto m = std::make_unique<ImagedMetrics>();
  m->images = &prometheus::BuildGauge()
                   .Name("berth_imaged_images")
                   .Help("Images in the store")
                   .Register(registry)
                   .Add({});
  m->layers = &prometheus::BuildGauge()
                   .Name("berth_imaged_layers")
                   .Help("Unpacked layers in the store")
                   .Register(registry)
                   .Add({});
  m->snapshots = &prometheus::BuildGauge()
                      .Name("berth_imaged_snapshots")
                      .Help("Container snapshots (upper dirs) in the store")
                      .Register(registry)
                      .Add({});
  m->import_bytes = &prometheus::BuildCounter()
                         .Name("berth_imaged_import_bytes_total")
                         .Help("Archive bytes received by ImportImage")
                         .Register(registry)
                         .Add({});
  auto& imports = prometheus::BuildCounter()
                      .Name("berth_imaged_imports_total")
                      .Help("ImportImage calls by result")
                      .Register(registry);
  m->imports_ok = &imports.Add({{"result", "ok"}});
  m->imports_failed = &imports.Add({{"result", "error"}});
  m->images_removed = &prometheus::BuildCounter()
                           .Name("berth_imaged_images_removed_total")
                           .Help("Images deleted (not just untagged)")
                           .Register(registry)
                           .Add({});
  auto& pulls = prometheus::BuildCounter()
                    .Name("berth_imaged_pulls_total")
                    .Help("Pull calls by result")
                    .Register(registry);
  m->pulls_ok = &pulls.Add({{"result", "ok"}});
  m->pulls_failed = &pulls.Add({{"result", "error"}});
  auto& pushes = prometheus::BuildCounter()
                     .Name("berth_imaged_pushes_total")
                     .Help("Push calls by result")
                     .Register(registry);
  m->pushes_ok = &pushes.Add({{"result", "ok"}});
  m->pushes_failed = &pushes.Add({{"result", "error"}});
  auto& bytes = prometheus::BuildCounter()
                    .Name("berth_imaged_registry_bytes_total")
                    .Help("Blob bytes received from (pull) and uploaded to (push) registries")
                    .Register(registry);
  m->pulled_bytes = &bytes.Add({{"direction", "pull"}});
  m->pushed_bytes = &bytes.Add({{"direction", "push"}});
  m->layer_unpack_seconds =
      &prometheus::BuildHistogram()
           .Name("berth_imaged_layer_unpack_seconds")
           .Help("Time from a pulled or loaded layer's first byte to its verified unpacked tree")
           .Register(registry)
           .Add({}, prometheus::Histogram::BucketBoundaries{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
                                                            5, 10, 30, 60, 120});
  auto& store = prometheus::BuildGauge()
                    .Name("berth_imaged_store_bytes")
                    .Help("Bytes in the store: unpacked layers, blobs (configs and layer archives)")
                    .Register(registry);
  m->store_layer_bytes = &store.Add({{"kind", "layers"}});
  m->store_blob_bytes = &store.Add({{"kind", "blobs"}});
  return m;
}

}  // namespace berth::imaged
