#include "cli/commands/networks.h"

#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands/client.h"
#include "cli/list_filters.h"

namespace berth::cli {
namespace {

struct NetworkFlags {
  std::string name;
  std::string driver;
  std::string subnet;
  std::string gateway;
  std::string ip_range;
  bool internal = false;
  bool attachable = false;
  std::vector<std::string> labels;   // KEY=VALUE
  std::vector<std::string> options;  // -o KEY=VALUE
  std::vector<std::string> names;
  std::vector<std::string> filters;  // KEY=VALUE
  bool quiet = false;
  std::string container;
  std::vector<std::string> aliases;
  std::string ip;
};

bool SplitPairs(const std::vector<std::string>& pairs, const char* flag,
                google::protobuf::Map<std::string, std::string>* out) {
  for (const std::string& pair : pairs) {
    size_t eq = pair.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::cerr << "invalid " << flag << " '" << pair << "': want KEY=VALUE\n";
      return false;
    }
    (*out)[pair.substr(0, eq)] = pair.substr(eq + 1);
  }
  return true;
}

int Create(const GlobalOptions& global, const NetworkFlags& f) {
  berth::v1::CreateNetworkRequest request;
  request.set_name(f.name);
  request.set_driver(f.driver);
  request.set_subnet(f.subnet);
  request.set_gateway(f.gateway);
  request.set_ip_range(f.ip_range);
  request.set_internal(f.internal);
  request.set_attachable(f.attachable);
  if (!SplitPairs(f.labels, "--label", request.mutable_labels()) ||
      !SplitPairs(f.options, "--opt", request.mutable_options())) {
    return kExitUsage;
  }
  ApiClient client(global.host);
  auto context = client.UnaryContext();
  berth::v1::Network network;
  grpc::Status status = client.stub().CreateNetwork(context.get(), request, &network);
  if (!status.ok()) {
    client.PrintError(status);
    return kExitError;
  }
  std::cout << network.id() << std::endl;
  return kExitOk;
}

int List(const GlobalOptions& global, const NetworkFlags& f) {
  berth::v1::ListNetworksApiRequest request;
  if (absl::Status s = AddFilterFlags(f.filters, request.mutable_filters()); !s.ok()) {
    std::cerr << "berth: " << s.message() << "\n";
    return kExitUsage;
  }
  ApiClient client(global.host);
  auto context = client.UnaryContext();
  berth::v1::ListNetworksResponse response;
  grpc::Status status = client.stub().ListNetworks(context.get(), request, &response);
  if (!status.ok()) {
    client.PrintError(status);
    return kExitError;
  }
  if (!f.quiet) {
    std::cout << std::left << std::setw(15) << "NETWORK ID" << std::setw(20) << "NAME"
              << std::setw(10) << "DRIVER" << "SCOPE\n";
  }
  for (const berth::v1::Network& n : response.networks()) {
    if (f.quiet) {
      std::cout << n.id().substr(0, 12) << "\n";
      continue;
    }
    std::cout << std::left << std::setw(15) << n.id().substr(0, 12) << std::setw(20) << n.name()
              << std::setw(10) << n.driver() << "local\n";
  }
  std::cout.flush();
  return kExitOk;
}

int Inspect(const GlobalOptions& global, const NetworkFlags& f) {
  ApiClient client(global.host);
  int exit_code = kExitOk;
  std::cout << "[";
  bool first = true;
  for (const std::string& name : f.names) {
    berth::v1::InspectNetworkRequest request;
    request.set_network(name);
    berth::v1::Network network;
    auto context = client.UnaryContext();
    grpc::Status status = client.stub().InspectNetwork(context.get(), request, &network);
    if (!status.ok()) {
      client.PrintError(status);
      exit_code = kExitError;
      continue;
    }
    std::cout << (first ? "\n" : ",\n") << ToPrettyJson(network);
    first = false;
  }
  std::cout << "\n]" << std::endl;
  return exit_code;
}

int Remove(const GlobalOptions& global, const NetworkFlags& f) {
  ApiClient client(global.host);
  int exit_code = kExitOk;
  for (const std::string& name : f.names) {
    berth::v1::RemoveNetworkRequest request;
    request.set_network(name);
    berth::v1::RemoveNetworkResponse response;
    auto context = client.UnaryContext();
    grpc::Status status = client.stub().RemoveNetwork(context.get(), request, &response);
    if (!status.ok()) {
      client.PrintError(status);
      exit_code = kExitError;
      continue;
    }
    std::cout << name << std::endl;
  }
  return exit_code;
}

int Connect(const GlobalOptions& global, const NetworkFlags& f, bool connect) {
  ApiClient client(global.host);
  auto context = client.UnaryContext();
  grpc::Status status;
  if (connect) {
    berth::v1::ConnectNetworkApiRequest request;
    request.set_network(f.name);
    request.set_container(f.container);
    for (const std::string& alias : f.aliases) request.mutable_settings()->add_aliases(alias);
    request.mutable_settings()->set_ipv4_address(f.ip);
    berth::v1::ConnectNetworkApiResponse response;
    status = client.stub().ConnectNetwork(context.get(), request, &response);
  } else {
    berth::v1::DisconnectNetworkApiRequest request;
    request.set_network(f.name);
    request.set_container(f.container);
    berth::v1::DisconnectNetworkApiResponse response;
    status = client.stub().DisconnectNetwork(context.get(), request, &response);
  }
  if (!status.ok()) {
    client.PrintError(status);
    return kExitError;
  }
  return kExitOk;
}

}  // namespace

void AddNetworkCommands(CLI::App& app, const GlobalOptions& global,
                        std::function<int()>& action) {
  // The flags outlive parsing: the action runs after CLI11 returns.
  auto f = std::make_shared<NetworkFlags>();
  auto* network = app.add_subcommand("network", "Manage networks");
  network->require_subcommand(1);

  auto* create = network->add_subcommand("create", "Create a network");
  create->add_option("name", f->name, "NETWORK")->required();
  create->add_option("-d,--driver", f->driver, "Driver to manage the Network (bridge)");
  create->add_option("--subnet", f->subnet, "Subnet in CIDR format");
  create->add_option("--gateway", f->gateway, "IPv4 Gateway for the master subnet");
  create->add_option("--ip-range", f->ip_range, "Allocate container ip from a sub-range");
  create->add_flag("--internal", f->internal, "Restrict external access to the network");
  create->add_flag("--attachable", f->attachable, "Enable manual container attachment");
  create->add_option("--label", f->labels, "Set metadata on a network")->allow_extra_args(false);
  create->add_option("-o,--opt", f->options, "Set driver specific options")
      ->allow_extra_args(false);
  create->callback([&action, &global, f] { action = [&global, f] { return Create(global, *f); }; });

  auto* ls = network->add_subcommand("ls", "List networks");
  ls->alias("list");
  ls->add_flag("-q,--quiet", f->quiet, "Only display network IDs");
  ls->add_option("-f,--filter", f->filters, "Provide filter values (e.g. 'driver=bridge')")
      ->allow_extra_args(false);
  ls->callback([&action, &global, f] { action = [&global, f] { return List(global, *f); }; });

  auto* inspect = network->add_subcommand("inspect", "Display detailed information on networks");
  inspect->add_option("network", f->names, "NETWORK...")->required();
  inspect->callback([&action, &global, f] { action = [&global, f] { return Inspect(global, *f); }; });

  auto* rm = network->add_subcommand("rm", "Remove one or more networks");
  rm->alias("remove");
  rm->add_option("network", f->names, "NETWORK...")->required();
  rm->callback([&action, &global, f] { action = [&global, f] { return Remove(global, *f); }; });

  auto* connect = network->add_subcommand("connect", "Connect a container to a network");
  connect->add_option("network", f->name, "NETWORK")->required();
  connect->add_option("container", f->container, "CONTAINER")->required();
  connect->add_option("--alias", f->aliases, "Add network-scoped alias for the container")
      ->allow_extra_args(false);
  connect->add_option("--ip", f->ip, "IPv4 address (e.g., 172.30.100.104)");
  connect->callback(
      [&action, &global, f] { action = [&global, f] { return Connect(global, *f, true); }; });

  auto* disconnect =
      network->add_subcommand("disconnect", "Disconnect a container from a network");
  disconnect->add_option("network", f->name, "NETWORK")->required();
  disconnect->add_option("container", f->container, "CONTAINER")->required();
  disconnect->callback(
      [&action, &global, f] { action = [&global, f] { return Connect(global, *f, false); }; });
}

}  // namespace berth::cli
