#include "services/runtimed/metrics.h"

#include "prometheus/histogram.h"

namespace berth::runtimed {

RuntimedMetrics::RuntimedMetrics(prometheus::Registry& registry)
    : containers(prometheus::BuildGauge()
                     .Name("berth_runtimed_containers")
                     .Help("Containers known to runtimed, by state")
                     .Register(registry)),
      containers_created(containers.Add({{"state", "created"}})),
      containers_running(containers.Add({{"state", "running"}})),
      containers_exited(containers.Add({{"state", "exited"}})),
      starts(prometheus::BuildCounter()
                 .Name("berth_runtimed_container_starts_total")
                 .Help("Container starts, by result")
                 .Register(registry)),
      starts_ok(starts.Add({{"result", "ok"}})),
      starts_error(starts.Add({{"result", "error"}})),
      exits(prometheus::BuildCounter()
                .Name("berth_runtimed_container_exits_total")
                .Help("Container processes that exited")
                .Register(registry)
                .Add({})),
      oom_kills(prometheus::BuildCounter()
                    .Name("berth_runtimed_container_oom_kills_total")
                    .Help("Container processes that exited because of an OOM kill")
                    .Register(registry)
                    .Add({})),
      shim_reconnects(prometheus::BuildCounter()
                          .Name("berth_runtimed_shim_reconnects_total")
                          .Help("Running containers whose shim was adopted after a restart")
                          .Register(registry)
                          .Add({})),
      exec_starts(prometheus::BuildCounter()
                      .Name("berth_runtimed_exec_starts_total")
                      .Help("Exec process starts, by result")
                      .Register(registry)),
      exec_starts_ok(exec_starts.Add({{"result", "ok"}})),
      exec_starts_error(exec_starts.Add({{"result", "error"}})),
      exec_start_seconds(prometheus::BuildHistogram()
                             .Name("berth_runtimed_exec_start_seconds")
                             .Help("Time from an exec start request until its process runs")
                             .Register(registry)
                             .Add({}, prometheus::Histogram::BucketBoundaries{
                                          0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5})),
      restarts(prometheus::BuildCounter()
                   .Name("berth_runtimed_container_restarts_total")
                   .Help("Containers restarted by their restart policy")
                   .Register(registry)
                   .Add({})) {}

}  // namespace berth::runtimed
