#pragma once

namespace prometheus {
class Counter;
class Gauge;
class Registry;
template <typename T>
class Family;
}  // namespace prometheus

namespace berth::netd {

// netd's metric families, registered once in the daemon's registry and passed
// to the manager. Labels have bounded values (result = ok|error).
struct NetdMetrics {
  explicit NetdMetrics(prometheus::Registry& registry);

 private:
  // Declared first: members are initialized in declaration order and the
  // per-result counters below come from these families.
  prometheus::Family<prometheus::Counter>& attach_family_;
  prometheus::Family<prometheus::Counter>& detach_family_;
  prometheus::Family<prometheus::Counter>& ruleset_family_;

 public:
  prometheus::Gauge& endpoints;          // berth_netd_endpoints
  prometheus::Gauge& networks;           // berth_netd_networks (bridge networks, default included)
  prometheus::Gauge& dns_served;         // berth_netd_dns_containers (embedded DNS sockets)
  prometheus::Gauge& addresses_in_use;   // berth_netd_ipam_addresses_in_use
  prometheus::Gauge& published_ports;    // berth_netd_published_ports
  prometheus::Counter& attach_ok;        // berth_netd_attach_total{result="ok"}
  prometheus::Counter& attach_error;     // berth_netd_attach_total{result="error"}
  prometheus::Counter& detach_ok;        // berth_netd_detach_total{result="ok"}
  prometheus::Counter& detach_error;     // berth_netd_detach_total{result="error"}
  prometheus::Counter& ruleset_ok;       // berth_netd_ruleset_applies_total{result="ok"}
  prometheus::Counter& ruleset_error;    // berth_netd_ruleset_applies_total{result="error"}
  prometheus::Counter& orphans_removed;  // berth_netd_recover_orphans_removed_total
};

}  // namespace berth::netd
