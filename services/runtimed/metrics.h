// runtimed's metric families, built once in main and passed in.
#pragma once

#include <memory>

#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"

namespace berth::runtimed {

struct RuntimedMetrics {
  explicit RuntimedMetrics(prometheus::Registry& registry);

  // berth_runtimed_containers{state="created|running|exited"}
  prometheus::Family<prometheus::Gauge>& containers;
  prometheus::Gauge& containers_created;
  prometheus::Gauge& containers_running;
  prometheus::Gauge& containers_exited;
  // berth_runtimed_container_starts_total{result="ok|error"}
  prometheus::Family<prometheus::Counter>& starts;
  prometheus::Counter& starts_ok;
  prometheus::Counter& starts_error;
  // berth_runtimed_container_exits_total
  prometheus::Counter& exits;
  // berth_runtimed_shim_reconnects_total: shims adopted by Recover()
  prometheus::Counter& shim_reconnects;
};

}  // namespace berth::runtimed
