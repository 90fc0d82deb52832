#include "services/netd/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

namespace berth::netd {
namespace {

prometheus::Gauge& MakeGauge(prometheus::Registry& registry, const char* name, const char* help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(registry).Add({});
}

prometheus::Family<prometheus::Counter>& CounterFamily(prometheus::Registry& registry,
                                                       const char* name, const char* help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry);
}

}  // namespace

NetdMetrics::NetdMetrics(prometheus::Registry& registry)
    : attach_family_(CounterFamily(registry, "berth_netd_attach_total", "Attach calls by result")),
      detach_family_(CounterFamily(registry, "berth_netd_detach_total", "Detach calls by result")),
      ruleset_family_(CounterFamily(registry, "berth_netd_ruleset_applies_total",
                                    "nftables ruleset loads by result")),
      endpoints(MakeGauge(registry, "berth_netd_endpoints", "Attached containers")),
      networks(MakeGauge(registry, "berth_netd_networks",
                         "Bridge networks: the default one and user networks")),
      dns_served(MakeGauge(registry, "berth_netd_dns_containers",
                           "Containers served by the embedded DNS")),
      addresses_in_use(MakeGauge(registry, "berth_netd_ipam_addresses_in_use",
                                 "Leased addresses of the default bridge network")),
      published_ports(MakeGauge(registry, "berth_netd_published_ports", "Published host ports")),
      attach_ok(attach_family_.Add({{"result", "ok"}})),
      attach_error(attach_family_.Add({{"result", "error"}})),
      detach_ok(detach_family_.Add({{"result", "ok"}})),
      detach_error(detach_family_.Add({{"result", "error"}})),
      ruleset_ok(ruleset_family_.Add({{"result", "ok"}})),
      ruleset_error(ruleset_family_.Add({{"result", "error"}})),
      orphans_removed(CounterFamily(registry, "berth_netd_recover_orphans_removed_total",
                                    "Half-made endpoints, namespaces and veths removed at "
                                    "startup")
                          .Add({})) {}

}  // namespace berth::netd
