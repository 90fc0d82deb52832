// netd: flags → config → objects → serve (or tear down). No logic here.
#include <prometheus/registry.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "common/daemon/daemon.h"
#include "common/metrics/metrics.h"
#include "services/netd/firewall/libnftables_applier.h"
#include "services/netd/metrics.h"
#include "services/netd/netd_service.h"
#include "services/netd/netlink/linux_netlink.h"
#include "services/netd/netns/linux_netns_ops.h"
#include "services/netd/network_manager.h"
#include "services/netd/ports/port_reserver.h"
#include "spdlog/spdlog.h"

ABSL_FLAG(std::string, listen, "unix:///run/berth/netd.sock", "gRPC listen address");
ABSL_FLAG(std::string, metrics_address, "127.0.0.1:9412",
          "Prometheus /metrics address (port 0 picks a free port)");
ABSL_FLAG(std::string, metrics_address_file, "",
          "If set, the bound metrics address is written to this file");
ABSL_FLAG(std::string, state_dir, "/var/lib/berth/netd", "State directory owned by netd");
ABSL_FLAG(std::string, run_dir, "/run/berth", "Runtime directory (sockets, namespaces)");
ABSL_FLAG(std::string, bridge, "berth0", "Linux bridge of the default 'bridge' network");
ABSL_FLAG(std::string, subnet, "172.29.0.0/16",
          "IPv4 subnet of the default network; the gateway is its first address");
ABSL_FLAG(std::string, nft_table, "berth",
          "nftables table (family ip) owned by this netd; no other table is touched");
ABSL_FLAG(std::vector<std::string>, dns_servers, {},
          "Nameservers for containers (comma-separated); empty copies the usable ones of "
          "--resolv_conf_source");
ABSL_FLAG(std::string, resolv_conf_source, "/etc/resolv.conf",
          "Host resolv.conf that containers' resolv.conf is derived from (\"\" for none)");
ABSL_FLAG(bool, teardown, false,
          "Detach every endpoint, delete the bridge, the nft table and the netns dir mount, "
          "then exit without serving (used by deploy/berth-down)");

namespace {

int Fail(const absl::Status& status) {
  spdlog::critical("{}", status.ToString());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  berth::daemon::Init(argc, argv, "netd", "Berth netd service");
  berth::netd::NetdConfig config;
  config.state_dir = absl::GetFlag(FLAGS_state_dir);
  config.run_dir = absl::GetFlag(FLAGS_run_dir);
  config.bridge = absl::GetFlag(FLAGS_bridge);
  config.subnet = absl::GetFlag(FLAGS_subnet);
  config.nft_table = absl::GetFlag(FLAGS_nft_table);
  config.dns_servers = absl::GetFlag(FLAGS_dns_servers);
  config.resolv_conf_source = absl::GetFlag(FLAGS_resolv_conf_source);

  auto netlink = berth::netd::netlink::LinuxNetlink::Create();
  if (!netlink.ok()) return Fail(netlink.status());
  berth::netd::netns::LinuxNetnsOps netns;
  berth::netd::firewall::LibnftablesApplier nft;
  berth::netd::ports::SocketPortReserver ports;

  // --teardown needs no metrics endpoint; a private registry keeps the
  // manager's wiring identical.
  bool teardown = absl::GetFlag(FLAGS_teardown);
  std::unique_ptr<berth::metrics::MetricsServer> metrics_server;
  prometheus::Registry teardown_registry;
  if (!teardown) {
    auto started = berth::metrics::MetricsServer::Start(absl::GetFlag(FLAGS_metrics_address),
                                                        absl::GetFlag(FLAGS_metrics_address_file));
    if (!started.ok()) return Fail(started.status());
    metrics_server = std::move(*started);
  }
  berth::netd::NetdMetrics metrics(teardown ? teardown_registry : metrics_server->registry());

  auto manager = berth::netd::NetworkManager::Create(
      config, berth::netd::NetdDeps{**netlink, netns, nft, ports, metrics});
  if (!manager.ok()) return Fail(manager.status());
  if (teardown) {
    absl::Status status = (*manager)->Teardown();
    return status.ok() ? 0 : Fail(status);
  }
  if (absl::Status status = (*manager)->Recover(); !status.ok()) return Fail(status);

  berth::netd::NetdService service(**manager);
  absl::Status status = berth::daemon::ServeUntilSignal("netd", absl::GetFlag(FLAGS_listen),
                                                        {&service}, *metrics_server,
                                                        berth::SocketAccess::kOwnerOnly);
  // The table, bridge and namespaces stay: published ports keep answering
  // while netd is down or restarting.
  return status.ok() ? 0 : Fail(status);
}
