#include "cli/commands/container_ops.h"

#include <algorithm>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands/client.h"
#include "cli/format.h"
#include "cli/list_filters.h"
#include "cli/run_config.h"

namespace berth::cli {
namespace {

struct OpsFlags {
  std::vector<std::string> names;
  std::string container;
  std::string new_name;
  std::vector<std::string> ps_args;
  std::vector<std::string> filters;  // KEY=VALUE
  bool force = false;
};

// pause / unpause: one call per container; names are echoed as docker does,
// errors go to stderr and make the exit code 1.
int ForEach(const GlobalOptions& global, const std::vector<std::string>& names,
            const std::function<grpc::Status(ApiClient&, grpc::ClientContext*,
                                             const std::string&)>& call) {
  ApiClient client(global.host);
  int rc = kExitOk;
  for (const std::string& name : names) {
    auto context = client.UnaryContext();
    grpc::Status status = call(client, context.get(), name);
    if (!status.ok()) {
      client.PrintError(status);
      rc = kExitError;
      continue;
    }
    std::cout << name << std::endl;
  }
  return rc;
}

int Pause(const GlobalOptions& global, const std::vector<std::string>& names) {
  return ForEach(global, names, [](ApiClient& c, grpc::ClientContext* ctx, const std::string& n) {
    v1::PauseContainerRequest request;
    request.set_container(n);
    v1::PauseContainerResponse response;
    return c.stub().PauseContainer(ctx, request, &response);
  });
}

int Unpause(const GlobalOptions& global, const std::vector<std::string>& names) {
  return ForEach(global, names, [](ApiClient& c, grpc::ClientContext* ctx, const std::string& n) {
    v1::UnpauseContainerRequest request;
    request.set_container(n);
    v1::UnpauseContainerResponse response;
    return c.stub().UnpauseContainer(ctx, request, &response);
  });
}

int Top(const GlobalOptions& global, const OpsFlags& f) {
  ApiClient client(global.host);
  v1::TopContainerRequest request;
  request.set_container(f.container);
  std::string args;
  for (const std::string& a : f.ps_args) args += (args.empty() ? "" : " ") + a;
  request.set_ps_args(args);
  v1::TopContainerResponse response;
  auto context = client.UnaryContext();
  grpc::Status status = client.stub().TopContainer(context.get(), request, &response);
  if (!status.ok()) {
    client.PrintError(status);
    return kExitError;
  }
  std::vector<std::vector<std::string>> rows;
  for (const v1::TopProcess& p : response.processes()) {
    rows.emplace_back(p.fields().begin(), p.fields().end());
  }
  std::cout << FormatTopTable({response.titles().begin(), response.titles().end()}, rows);
  return kExitOk;
}

int Rename(const GlobalOptions& global, const OpsFlags& f) {
  ApiClient client(global.host);
  v1::RenameContainerRequest request;
  request.set_container(f.container);
  request.set_name(f.new_name);
  v1::RenameContainerResponse response;
  auto context = client.UnaryContext();
  grpc::Status status = client.stub().RenameContainer(context.get(), request, &response);
  if (!status.ok()) {
    client.PrintError(status);
    return kExitError;
  }
  return kExitOk;
}

}  // namespace

// docker update: the flags given become one request per container; the
// daemon refuses what it cannot apply. Names are echoed as docker does.
int RunUpdate(const GlobalOptions& global, const UpdateFlags& f) {
  absl::StatusOr<ResourcesSpec> resources = BuildResourcesSpec(f.resources);
  if (!resources.ok()) {
    std::cerr << resources.status().message() << std::endl;
    return kExitError;
  }
  std::string policy;
  int32_t max_retries = 0;
  if (absl::Status s = ParseRestartFlag(f.restart, &policy, &max_retries); !s.ok()) {
    std::cerr << s.message() << std::endl;
    return kExitError;
  }
  return ForEach(global, f.containers,
                 [&](ApiClient& c, grpc::ClientContext* ctx, const std::string& name) {
                   v1::UpdateContainerRequest request;
                   request.set_container(name);
                   ResourcesToProto(*resources, request.mutable_resources());
                   if (!policy.empty()) {
                     request.mutable_restart_policy()->set_name(policy);
                     request.mutable_restart_policy()->set_maximum_retry_count(max_retries);
                   }
                   v1::UpdateContainerResponse response;
                   grpc::Status status = c.stub().UpdateContainer(ctx, request, &response);
                   for (const std::string& w : response.warnings()) std::cerr << w << std::endl;
                   return status;
                 });
}

namespace {

int Prune(const GlobalOptions& global, const OpsFlags& f) {
  v1::PruneContainersRequest request;
  if (absl::Status s = AddFilterFlags(f.filters, request.mutable_filters()); !s.ok()) {
    std::cerr << "berth: " << s.message() << "\n";
    return kExitUsage;
  }
  ApiClient client(global.host);
  v1::PruneContainersResponse response;
  auto context = client.UnaryContext(std::chrono::seconds(300));
  grpc::Status status = client.stub().PruneContainers(context.get(), request, &response);
  if (!status.ok()) {
    client.PrintError(status);
    return kExitError;
  }
  if (response.deleted_size() > 0) {
    std::cout << "Deleted Containers:\n";
    for (const std::string& id : response.deleted()) std::cout << id << "\n";
    std::cout << "\n";
  }
  std::cout << "Total reclaimed space: " << HumanSize(response.space_reclaimed()) << std::endl;
  return kExitOk;
}

}  // namespace

std::string FormatTopTable(const std::vector<std::string>& titles,
                           const std::vector<std::vector<std::string>>& rows) {
  constexpr size_t kMinWidth = 20, kPadding = 3;
  std::vector<size_t> widths(titles.size(), kMinWidth);
  auto measure = [&](const std::vector<std::string>& cells) {
    for (size_t i = 0; i + 1 < cells.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], cells[i].size() + kPadding);
    }
  };
  measure(titles);
  for (const auto& row : rows) measure(row);
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    for (size_t i = 0; i < cells.size(); ++i) {
      out += cells[i];
      if (i + 1 < cells.size() && i < widths.size()) {
        out.append(widths[i] - cells[i].size(), ' ');
      }
    }
    out += "\n";
  };
  line(titles);
  for (const auto& row : rows) line(row);
  return out;
}

void AddContainerOpsCommands(CLI::App& app, const GlobalOptions& global,
                             std::function<int()>& action) {
  auto f = std::make_shared<OpsFlags>();
  auto* pause = app.add_subcommand("pause", "Pause all processes within one or more containers");
  pause->add_option("container", f->names, "CONTAINER...")->required();
  pause->callback([&, f] { action = [&, f] { return Pause(global, f->names); }; });

  auto* unpause =
      app.add_subcommand("unpause", "Unpause all processes within one or more containers");
  unpause->add_option("container", f->names, "CONTAINER...")->required();
  unpause->callback([&, f] { action = [&, f] { return Unpause(global, f->names); }; });

  auto* top = app.add_subcommand("top", "Display the running processes of a container");
  top->footer("\nUsage: berth top CONTAINER [ps OPTIONS]");
  // ps's own options (`top c -o pid,comm`) are not berth's.
  top->prefix_command();
  top->callback([&, f, top] {
    std::vector<std::string> rest = top->remaining();
    if (!rest.empty() && rest.front() == "--") rest.erase(rest.begin());
    if (rest.empty()) throw CLI::ValidationError("\"berth top\" requires at least 1 argument");
    f->container = rest.front();
    f->ps_args.assign(rest.begin() + 1, rest.end());
    action = [&, f] { return Top(global, *f); };
  });

  auto* rename = app.add_subcommand("rename", "Rename a container");
  rename->add_option("container", f->container, "CONTAINER")->required();
  rename->add_option("new_name", f->new_name, "NEW_NAME")->required();
  rename->callback([&, f] { action = [&, f] { return Rename(global, *f); }; });

  auto u = std::make_shared<UpdateFlags>();
  auto* update = app.add_subcommand("update", "Update configuration of one or more containers");
  ResourceFlags& r = u->resources;
  update->add_option("-m,--memory", r.memory, "Memory limit");
  update->add_option("--memory-swap", r.memory_swap,
                     "Swap limit equal to memory plus swap: -1 to enable unlimited swap");
  update->add_option("--memory-reservation", r.memory_reservation, "Memory soft limit");
  update->add_option("--kernel-memory", r.kernel_memory, "Kernel memory limit (not supported)");
  update->add_option("--cpus", r.cpus, "Number of CPUs");
  update->add_option("-c,--cpu-shares", r.cpu_shares, "CPU shares (relative weight)");
  update->add_option("--cpu-period", r.cpu_period, "Limit CPU CFS period");
  update->add_option("--cpu-quota", r.cpu_quota, "Limit CPU CFS quota");
  update->add_option("--cpuset-cpus", r.cpuset_cpus, "CPUs in which to allow execution (0-3, 0,1)");
  update->add_option("--cpuset-mems", r.cpuset_mems, "MEMs in which to allow execution (0-3, 0,1)");
  update->add_option("--pids-limit", r.pids_limit, "Tune container pids limit (-1 for unlimited)");
  update->add_option("--blkio-weight", r.blkio_weight, "Block IO (relative weight), 10 to 1000");
  update->add_option("--restart", u->restart, "Restart policy to apply when a container exits");
  update->add_option("container", u->containers, "CONTAINER...")->required();
  update->callback([&, u] { action = [&, u] { return RunUpdate(global, *u); }; });

  auto* container = app.add_subcommand("container", "Manage containers");
  container->require_subcommand(1);
  auto* prune = container->add_subcommand("prune", "Remove all stopped containers");
  prune->add_flag("-f,--force", f->force, "Do not prompt for confirmation");
  prune->add_option("--filter", f->filters, "Provide filter values (e.g. 'until=<timestamp>')")
      ->allow_extra_args(false);
  prune->callback([&, f] { action = [&, f] { return Prune(global, *f); }; });
}

}  // namespace berth::cli
