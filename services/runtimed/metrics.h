// runtimed's metric families, built once in main and passed in.
#pragma once

#include <memory>

#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
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
  // berth_runtimed_container_oom_kills_total: exits caused by an OOM kill
  // (the per-container series vanish with the exit; this one stays).
  prometheus::Counter& oom_kills;
  // berth_runtimed_shim_reconnects_total: shims adopted by Recover()
  prometheus::Counter& shim_reconnects;
  // berth_runtimed_exec_starts_total{result="ok|error"}
  prometheus::Family<prometheus::Counter>& exec_starts;
  prometheus::Counter& exec_starts_ok;
  prometheus::Counter& exec_starts_error;
  // berth_runtimed_exec_start_seconds: from the start request until the
  // exec'd process runs (config, exec shim, namespace joins, execve).
  prometheus::Histogram& exec_start_seconds;
  // berth_runtimed_container_restarts_total: restarts made by a restart
  // policy (not user restarts).
  prometheus::Counter& restarts;
};

}  // namespace berth::runtimed
