#include "services/runtimed/metrics.h"

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
      shim_reconnects(prometheus::BuildCounter()
                          .Name("berth_runtimed_shim_reconnects_total")
                          .Help("Running containers whose shim was adopted after a restart")
                          .Register(registry)
                          .Add({})) {}

}  // namespace berth::runtimed
