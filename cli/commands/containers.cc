// `berth ps`, `logs`, `stop`, `kill`, `rm`, `start`, `inspect`, `wait`.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/time/clock.h"
#include "cli/commands/client.h"
#include "cli/commands/commands.h"
#include "cli/format.h"
#include "cli/list_filters.h"

namespace berth::cli {
namespace {

ContainerPhase ToPhase(berth::v1::ContainerStatus status) {
  switch (status) {
    case berth::v1::CONTAINER_STATUS_CREATED:
      return ContainerPhase::kCreated;
    case berth::v1::CONTAINER_STATUS_RUNNING:
      return ContainerPhase::kRunning;
    case berth::v1::CONTAINER_STATUS_PAUSED:
      return ContainerPhase::kPaused;
    case berth::v1::CONTAINER_STATUS_RESTARTING:
      return ContainerPhase::kRestarting;
    case berth::v1::CONTAINER_STATUS_REMOVING:
      return ContainerPhase::kRemoving;
    case berth::v1::CONTAINER_STATUS_EXITED:
      return ContainerPhase::kExited;
    case berth::v1::CONTAINER_STATUS_DEAD:
      return ContainerPhase::kDead;
    default:
      return ContainerPhase::kUnknown;
  }
}

StatusView ToStatusView(const berth::v1::Container& c) {
  const berth::v1::ContainerState& state = c.state();
  StatusView view;
  const auto& test = c.config().healthcheck().test();
  if (c.has_health() && !test.empty() && test[0] != "NONE") view.health = c.health().status();
  view.phase = ToPhase(state.status());
  view.exit_code = state.exit_code();
  view.started_at = ToAbslTime(state.started_at());
  view.finished_at = ToAbslTime(state.finished_at());
  return view;
}

// The process as `ps` shows it: what runtimed resolved, or else what the
// config asked for.
std::vector<std::string> CommandOf(const berth::v1::Container& c) {
  std::vector<std::string> words(c.path_and_args().begin(), c.path_and_args().end());
  if (words.empty()) {
    words.assign(c.config().entrypoint().begin(), c.config().entrypoint().end());
    words.insert(words.end(), c.config().cmd().begin(), c.config().cmd().end());
  }
  return words;
}

std::string PortsOf(const berth::v1::Container& c) {
  // Docker shows ports only while the container has its network.
  const auto phase = ToPhase(c.state().status());
  if (phase != ContainerPhase::kRunning && phase != ContainerPhase::kPaused &&
      phase != ContainerPhase::kRestarting) {
    return "";
  }
  std::vector<PortMapping> ports;
  for (const auto& p : c.network().ports()) {
    PortMapping m;
    m.container_port = p.container_port();
    m.protocol = p.protocol().empty() ? "tcp" : p.protocol();
    m.host_ip = p.host_ip();
    m.host_port = p.host_port();
    ports.push_back(std::move(m));
  }
  return FormatPorts(std::move(ports));
}

// Runs `call` for each container, printing the name as given on success and
// the daemon's error otherwise; 1 when any failed. The shape of docker's
// stop/kill/rm/start.
template <typename Call>
int ForEachContainer(ApiClient& client, const std::vector<std::string>& containers, Call call) {
  int exit_code = kExitOk;
  for (const std::string& container : containers) {
    grpc::Status status = call(container);
    if (status.ok()) {
      std::cout << container << std::endl;
    } else {
      client.PrintError(status);
      exit_code = kExitError;
    }
  }
  return exit_code;
}

}  // namespace

int RunPs(const GlobalOptions& global, const PsOptions& options) {
  ApiClient client(global.host);
  auto context = client.UnaryContext();
  berth::v1::ListContainersApiRequest request;
  request.set_all(options.all);
  if (options.latest || options.last > 0) request.set_limit(options.latest ? 1 : options.last);
  if (absl::Status s = AddFilterFlags(options.filters, request.mutable_filters()); !s.ok()) {
    std::cerr << "berth: " << s.message() << std::endl;
    return kExitUsage;
  }
  berth::v1::ListContainersApiResponse response;
  grpc::Status status = client.stub().ListContainers(context.get(), request, &response);
  if (!status.ok()) {
    client.PrintError(status);
    return kExitError;
  }
  std::vector<const berth::v1::Container*> containers;
  for (const auto& c : response.containers()) {
    containers.push_back(&c);
  }
  std::stable_sort(containers.begin(), containers.end(), [](const auto* a, const auto* b) {
    return ToAbslTime(a->created()) > ToAbslTime(b->created());
  });
  auto id_of = [&](const std::string& id) { return options.no_trunc ? id : ShortId(id); };
  if (options.quiet) {
    for (const auto* c : containers) {
      std::cout << id_of(c->id()) << "\n";
    }
    return kExitOk;
  }
  const absl::Time now = absl::Now();
  std::vector<std::vector<std::string>> rows = {
      {"CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"}};
  for (const auto* c : containers) {
    const std::string image =
        c->config().image().empty() ? ShortId(c->image_id()) : c->config().image();
    rows.push_back({id_of(c->id()), image, FormatCommand(CommandOf(*c), options.no_trunc),
                    TimeAgo(ToAbslTime(c->created()), now),
                    FormatContainerStatus(ToStatusView(*c), now), PortsOf(*c),
                    c->name()});
  }
  std::cout << FormatTable(rows);
  return kExitOk;
}

int RunLogs(const GlobalOptions& global, const LogsOptions& options) {
  // -1 asks for the whole log; `--tail 0` means no old lines, as in docker.
  int32_t tail = -1;
  if (options.tail != "all" && (!absl::SimpleAtoi(options.tail, &tail) || tail < 0)) {
    std::cerr << "berth: invalid --tail value '" << options.tail
              << "' (want a non-negative number or \"all\")" << std::endl;
    return kExitError;
  }
  ApiClient client(global.host);
  grpc::ClientContext context;  // -f may stream for as long as the user likes
  berth::v1::ContainerLogsApiRequest request;
  request.set_container(options.container);
  request.set_follow(options.follow);
  request.set_stdout(true);
  request.set_stderr(true);
  request.set_tail(tail);
  auto reader = client.stub().ContainerLogs(&context, request);
  berth::v1::LogBatch batch;
  while (reader->Read(&batch)) {
    // Consecutive entries of one stream go out in one write.
    std::string pending;
    int pending_fd = STDOUT_FILENO;
    bool written = true;
    for (const berth::v1::LogEntry& entry : batch.entries()) {
      const int fd =
          entry.stream() == berth::v1::STD_STREAM_STDERR ? STDERR_FILENO : STDOUT_FILENO;
      if (fd != pending_fd && !pending.empty()) {
        written = written && WriteAll(pending_fd, pending);
        pending.clear();
      }
      pending_fd = fd;
      if (options.timestamps) {
        pending += FormatLogTimestamp(ToAbslTime(entry.time())) + " ";
      }
      pending += entry.data();
    }
    if (!written || !WriteAll(pending_fd, pending)) {
      // The reader of our output went away (e.g. `berth logs x | head`).
      context.TryCancel();
      reader->Finish();
      return kExitOk;
    }
  }
  grpc::Status status = reader->Finish();
  if (!status.ok()) {
    client.PrintError(status);
    return kExitError;
  }
  return kExitOk;
}

int RunStop(const GlobalOptions& global, const std::vector<std::string>& containers,
            int timeout_seconds) {
  ApiClient client(global.host);
  // The daemon may wait the full grace period before SIGKILL; leave room.
  const int grace = timeout_seconds < 0 ? 10 : timeout_seconds;
  return ForEachContainer(client, containers, [&](const std::string& container) {
    auto context = client.UnaryContext(std::chrono::seconds(grace + 30));
    berth::v1::StopContainerApiRequest request;
    request.set_container(container);
    request.set_timeout_seconds(timeout_seconds);
    berth::v1::StopContainerApiResponse response;
    return client.stub().StopContainer(context.get(), request, &response);
  });
}

int RunKill(const GlobalOptions& global, const std::vector<std::string>& containers,
            const std::string& signal) {
  ApiClient client(global.host);
  return ForEachContainer(client, containers, [&](const std::string& container) {
    auto context = client.UnaryContext();
    berth::v1::KillContainerApiRequest request;
    request.set_container(container);
    request.set_signal(signal);
    berth::v1::KillContainerApiResponse response;
    return client.stub().KillContainer(context.get(), request, &response);
  });
}

int RunRm(const GlobalOptions& global, const std::vector<std::string>& containers, bool force,
          bool remove_volumes) {
  ApiClient client(global.host);
  return ForEachContainer(client, containers, [&](const std::string& container) {
    auto context = client.UnaryContext();
    berth::v1::RemoveContainerApiRequest request;
    request.set_container(container);
    request.set_force(force);
    request.set_remove_volumes(remove_volumes);
    berth::v1::RemoveContainerApiResponse response;
    return client.stub().RemoveContainer(context.get(), request, &response);
  });
}

int RunStart(const GlobalOptions& global, const std::vector<std::string>& containers) {
  ApiClient client(global.host);
  return ForEachContainer(client, containers, [&](const std::string& container) {
    // As in `run`: outlast the daemon's own deadlines for netd and runtimed.
    auto context = client.UnaryContext(std::chrono::seconds(120));
    berth::v1::StartContainerApiRequest request;
    request.set_container(container);
    berth::v1::StartContainerApiResponse response;
    return client.stub().StartContainer(context.get(), request, &response);
  });
}

int RunInspect(const GlobalOptions& global, const std::vector<std::string>& objects) {
  ApiClient client(global.host);
  int exit_code = kExitOk;
  std::vector<std::string> documents;
  for (const std::string& object : objects) {
    berth::v1::InspectContainerApiRequest container_request;
    container_request.set_container(object);
    berth::v1::Container container;
    auto context = client.UnaryContext();
    grpc::Status status =
        client.stub().InspectContainer(context.get(), container_request, &container);
    if (status.ok()) {
      documents.push_back(ToPrettyJson(container));
      continue;
    }
    if (status.error_code() != grpc::StatusCode::NOT_FOUND) {
      client.PrintError(status);
      exit_code = kExitError;
      continue;
    }
    // Like docker: an object that is no container may be an image.
    berth::v1::InspectImageRequest image_request;
    image_request.set_reference(object);
    berth::v1::Image image;
    auto image_context = client.UnaryContext();
    status = client.stub().InspectImage(image_context.get(), image_request, &image);
    if (status.ok()) {
      documents.push_back(ToPrettyJson(image));
    } else if (status.error_code() == grpc::StatusCode::NOT_FOUND) {
      std::cerr << "Error: No such object: " << object << std::endl;
      exit_code = kExitError;
    } else {
      client.PrintError(status);
      exit_code = kExitError;
    }
  }
  // One JSON array, each document indented under it as docker prints them.
  std::cout << "[";
  for (size_t i = 0; i < documents.size(); ++i) {
    std::cout << (i == 0 ? "\n" : ",\n") << ReindentJson(documents[i], 4, 4);
  }
  std::cout << (documents.empty() ? "]\n" : "\n]\n");
  return exit_code;
}

int RunPort(const GlobalOptions& global, const std::string& container,
            const std::string& private_port) {
  ApiClient client(global.host);
  berth::v1::InspectContainerApiRequest request;
  request.set_container(container);
  berth::v1::Container c;
  auto context = client.UnaryContext();
  grpc::Status status = client.stub().InspectContainer(context.get(), request, &c);
  if (!status.ok()) {
    client.PrintError(status);
    return kExitError;
  }
  // docker port: "80/tcp -> 0.0.0.0:32768" per binding, sorted by port; with
  // PRIVATE_PORT[/PROTO] only "0.0.0.0:32768".
  std::string wanted = private_port;
  if (!wanted.empty() && wanted.find('/') == std::string::npos) wanted += "/tcp";
  std::vector<std::pair<std::pair<uint32_t, std::string>, std::string>> lines;
  for (const berth::v1::PortBinding& p : c.network().ports()) {
    const std::string key = std::to_string(p.container_port()) + "/" + p.protocol();
    if (!wanted.empty() && key != wanted) continue;
    const std::string ip = p.host_ip().empty() ? "0.0.0.0" : p.host_ip();
    const std::string address = ip + ":" + std::to_string(p.host_port());
    lines.push_back({{p.container_port(), p.protocol()},
                     wanted.empty() ? key + " -> " + address : address});
  }
  if (!wanted.empty() && lines.empty()) {
    std::cerr << "Error: No public port '" << wanted << "' published for " << container
              << std::endl;
    return kExitError;
  }
  std::stable_sort(lines.begin(), lines.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [key, line] : lines) std::cout << line << "\n";
  return kExitOk;
}

int RunWait(const GlobalOptions& global, const std::vector<std::string>& containers) {
  ApiClient client(global.host);
  int exit_code = kExitOk;
  for (const std::string& container : containers) {
    grpc::ClientContext context;  // a container may run for days
    berth::v1::WaitContainerApiRequest request;
    request.set_container(container);
    request.set_condition(berth::v1::WAIT_CONDITION_NOT_RUNNING);
    auto reader = client.stub().WaitContainer(&context, request);
    berth::v1::WaitEvent event;
    bool exited = false;
    while (reader->Read(&event)) {
      if (event.has_exit()) {
        std::cout << event.exit().exit_code() << std::endl;
        exited = true;
        break;
      }
    }
    if (exited) {
      context.TryCancel();
    }
    grpc::Status status = reader->Finish();
    if (!exited) {
      if (status.ok()) {
        std::cerr << "Error response from daemon: wait stream for " << container
                  << " ended without an exit status" << std::endl;
      } else {
        client.PrintError(status);
      }
      exit_code = kExitError;
    }
  }
  return exit_code;
}

}  // namespace berth::cli
