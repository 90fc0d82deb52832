#include "services/imaged/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
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
  return m;
}

}  // namespace berth::imaged
