// `berth run`: create → (attach, wait) → start → stream stdio → exit code.
//
// The order matters and is docker's: the attach and the wait are registered
// before the start, so neither the first bytes of output nor a quick exit
// (`run busybox true`) can be missed.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "cli/commands/client.h"
#include "cli/commands/commands.h"
#include "cli/format.h"
#include "cli/run_config.h"
#include "cli/terminal.h"

namespace berth::cli {
namespace {

constexpr size_t kStdinChunkSize = 32 * 1024;

// A start spans netd and runtimed, each with its own deadline inside apid;
// waiting longer than they do lets the daemon's own error reach the user
// instead of a bare client-side DEADLINE_EXCEEDED.
constexpr std::chrono::seconds kStartDeadline{120};

// Signals a non-tty `run` forwards to the container, like docker's sig-proxy.
// With a tty the keys reach the container through the pty instead.
constexpr int kProxiedSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

}  // namespace

void ResourcesToProto(const ResourcesSpec& r, berth::v1::Resources* resources) {
  resources->set_memory(r.memory);
  resources->set_memory_swap(r.memory_swap);
  resources->set_memory_reservation(r.memory_reservation);
  resources->set_nano_cpus(r.nano_cpus);
  resources->set_cpu_shares(r.cpu_shares);
  resources->set_cpu_period(r.cpu_period);
  resources->set_cpu_quota(r.cpu_quota);
  resources->set_cpuset_cpus(r.cpuset_cpus);
  resources->set_cpuset_mems(r.cpuset_mems);
  resources->set_pids_limit(r.pids_limit);
  resources->set_blkio_weight(r.blkio_weight);
  resources->set_oom_kill_disable(r.oom_kill_disable);
  resources->set_shm_size(r.shm_size);
}

namespace {

berth::v1::ContainerConfig ToProto(const ContainerSpec& spec) {
  berth::v1::ContainerConfig config;
  config.set_image(spec.image);
  for (const auto& s : spec.entrypoint) config.add_entrypoint(s);
  for (const auto& s : spec.cmd) config.add_cmd(s);
  for (const auto& s : spec.env) config.add_env(s);
  config.set_working_dir(spec.working_dir);
  config.set_user(spec.user);
  for (const std::string& g : spec.group_add) config.add_group_add(g);
  config.set_runtime(spec.runtime);
  config.set_hostname(spec.hostname);
  config.set_tty(spec.tty);
  config.set_open_stdin(spec.open_stdin);
  config.set_stdin_once(spec.stdin_once);
  config.set_attach_stdin(spec.attach_stdin);
  config.set_attach_stdout(spec.attach_stdout);
  config.set_attach_stderr(spec.attach_stderr);
  config.set_auto_remove(spec.auto_remove);
  if (spec.has_healthcheck) {
    berth::v1::HealthConfig* health = config.mutable_healthcheck();
    for (const auto& t : spec.health_test) health->add_test(t);
    health->set_interval_ns(spec.health_interval_ns);
    health->set_timeout_ns(spec.health_timeout_ns);
    health->set_start_period_ns(spec.health_start_period_ns);
    health->set_retries(spec.health_retries);
  }
  if (!spec.restart_policy.empty()) {
    config.mutable_restart_policy()->set_name(spec.restart_policy);
    config.mutable_restart_policy()->set_maximum_retry_count(spec.restart_max_retries);
  }
  config.set_network_mode(spec.network_mode);
  for (const auto& [key, value] : spec.labels) (*config.mutable_labels())[key] = value;
  config.set_init(spec.init);
  if (!spec.network_aliases.empty() || !spec.ipv4_address.empty()) {
    auto* settings = config.add_networks();
    settings->set_network(spec.network_mode);
    for (const std::string& alias : spec.network_aliases) settings->add_aliases(alias);
    settings->set_ipv4_address(spec.ipv4_address);
  }
  for (const auto& p : spec.port_bindings) {
    auto* binding = config.add_port_bindings();
    binding->set_container_port(p.container_port);
    binding->set_protocol(p.protocol);
    binding->set_host_ip(p.host_ip);
    binding->set_host_port(p.host_port);
    binding->set_host_port_end(p.host_port_end);
  }
  for (const auto& s : spec.exposed_ports) config.add_exposed_ports(s);
  berth::v1::ContainerNetworkOptions* net = config.mutable_network_options();
  net->set_publish_all_ports(spec.network_options.publish_all_ports);
  for (const auto& v : spec.network_options.dns) net->add_dns(v);
  for (const auto& v : spec.network_options.dns_search) net->add_dns_search(v);
  for (const auto& v : spec.network_options.dns_options) net->add_dns_options(v);
  for (const auto& v : spec.network_options.extra_hosts) net->add_extra_hosts(v);
  for (const auto& v : spec.network_options.links) net->add_links(v);
  net->set_mac_address(spec.network_options.mac_address);
  config.set_console_height(spec.console_height);
  config.set_console_width(spec.console_width);
  berth::v1::SecurityOptions* security = config.mutable_security();
  for (const auto& c : spec.security.cap_add) security->add_cap_add(c);
  for (const auto& c : spec.security.cap_drop) security->add_cap_drop(c);
  security->set_privileged(spec.security.privileged);
  security->set_no_new_privileges(spec.security.no_new_privileges);
  security->set_seccomp_profile(spec.security.seccomp_profile);
  security->set_read_only_rootfs(spec.security.read_only_rootfs);
  for (const auto& u : spec.security.ulimits) {
    berth::v1::Ulimit* ulimit = security->add_ulimits();
    ulimit->set_name(u.name);
    ulimit->set_soft(u.soft);
    ulimit->set_hard(u.hard);
  }
  ResourcesToProto(spec.resources, config.mutable_resources());
  config.mutable_log_config()->set_type(spec.log_driver);
  for (const auto& [k, v] : spec.log_options) (*config.mutable_log_config()->mutable_options())[k] = v;
  const berth::cli::StorageSpec& st = spec.storage;
  for (const auto& b : st.binds) config.add_binds(b);
  for (const auto& v : st.volumes) config.add_volumes(v);
  for (const auto& [path, options] : st.tmpfs) (*config.mutable_tmpfs())[path] = options;
  for (const auto& v : st.volumes_from) config.add_volumes_from(v);
  for (const auto& m : st.mounts) {
    berth::v1::MountRequest* mount = config.add_mounts();
    mount->set_type(m.type);
    mount->set_source(m.source);
    mount->set_target(m.target);
    mount->set_read_only(m.read_only);
    mount->set_propagation(m.propagation);
    mount->set_no_copy(m.no_copy);
    for (const auto& [k, v] : m.volume_labels) (*mount->mutable_volume_labels())[k] = v;
    mount->set_tmpfs_size(m.tmpfs_size);
    mount->set_tmpfs_mode(m.tmpfs_mode);
  }
  return config;
}

absl::StatusOr<std::string> ReadClientFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("open ", path, ": ", std::strerror(errno)));
  }
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

std::optional<std::string> LookupClientEnv(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) {
    return std::nullopt;
  }
  return std::string(value);
}

// "SIGINT" for SIGINT: the API takes signal names.
std::string SignalName(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return abbrev == nullptr ? std::to_string(sig) : absl::StrCat("SIG", abbrev);
}

// Best effort for --rm when the container never ran, so nothing lingers.
// NOT_FOUND (the daemon already removed it) is the expected answer.
void RemoveQuietly(ApiClient& client, const std::string& id) {
  auto context = client.UnaryContext();
  berth::v1::RemoveContainerApiRequest request;
  request.set_container(id);
  request.set_force(true);
  berth::v1::RemoveContainerApiResponse response;
  client.stub().RemoveContainer(context.get(), request, &response);
}

// One foreground `run` after the container was created: owns the attach and
// wait streams and the threads that pump stdio.
class ForegroundRun {
 public:
  ForegroundRun(ApiClient& client, std::string id, const RunPlan& plan, bool interactive)
      : client_(client), id_(std::move(id)), plan_(plan), interactive_(interactive) {}

  ~ForegroundRun() {
    // Early returns leave streams open: cancel and finish them so gRPC can
    // release the calls.
    StopStdinPump();
    if (output_thread_.joinable()) {
      attach_context_.TryCancel();
      output_thread_.join();
    }
    CancelAttach();
    CancelWait();
  }

  // Opens the attach stream and waits for `attached`, then the wait stream
  // and `registered`. Errors are the daemon's.
  grpc::Status Prepare();

  // Starts the container and pumps stdio until the output ends; returns the
  // process exit code (the container's, or docker's code for a failure).
  int StartAndStream();

 private:
  void PumpOutput();
  void PumpStdin(int stop_fd);
  void StopStdinPump();
  void Resize();
  void ForwardSignal(int sig);
  int ExitCodeFromWait();
  void CancelAttach();
  void CancelWait();

  ApiClient& client_;
  const std::string id_;
  const RunPlan& plan_;
  const bool interactive_;

  grpc::ClientContext attach_context_;
  std::unique_ptr<grpc::ClientReaderWriter<berth::v1::AttachInput, berth::v1::AttachOutput>>
      attach_;
  grpc::ClientContext wait_context_;
  std::unique_ptr<grpc::ClientReader<berth::v1::WaitEvent>> wait_;
  bool attach_finished_ = false;
  bool wait_finished_ = false;

  std::thread output_thread_;
  std::thread stdin_thread_;
  int stdin_stop_fd_ = -1;
};

grpc::Status ForegroundRun::Prepare() {
  attach_ = client_.stub().AttachContainer(&attach_context_);
  berth::v1::AttachInput open;
  open.mutable_open()->set_container(id_);
  open.mutable_open()->set_stdin(interactive_);
  open.mutable_open()->set_stdout(true);
  open.mutable_open()->set_stderr(true);
  berth::v1::AttachOutput first;
  if (!attach_->Write(open) || !attach_->Read(&first) || !first.attached()) {
    attach_context_.TryCancel();
    attach_finished_ = true;
    grpc::Status status = attach_->Finish();
    return status.ok() ? grpc::Status(grpc::StatusCode::INTERNAL,
                                      "attach stream ended before it was attached")
                       : status;
  }

  berth::v1::WaitContainerApiRequest request;
  request.set_container(id_);
  request.set_condition(plan_.wait_for_removal ? berth::v1::WAIT_CONDITION_REMOVED
                                               : berth::v1::WAIT_CONDITION_NEXT_EXIT);
  wait_ = client_.stub().WaitContainer(&wait_context_, request);
  berth::v1::WaitEvent event;
  if (!wait_->Read(&event) || !event.registered()) {
    wait_context_.TryCancel();
    wait_finished_ = true;
    grpc::Status status = wait_->Finish();
    return status.ok() ? grpc::Status(grpc::StatusCode::INTERNAL,
                                      "wait stream ended before it was registered")
                       : status;
  }
  return grpc::Status::OK;
}

int ForegroundRun::StartAndStream() {
  {
    auto context = client_.UnaryContext(kStartDeadline);
    berth::v1::StartContainerApiRequest request;
    request.set_container(id_);
    berth::v1::StartContainerApiResponse response;
    grpc::Status status = client_.stub().StartContainer(context.get(), request, &response);
    if (!status.ok()) {
      CancelAttach();
      CancelWait();
      client_.PrintError(status, "berth: ");
      if (plan_.spec.auto_remove) {
        RemoveQuietly(client_, id_);
      }
      if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
        return kExitRunFailed;
      }
      return ExitCodeForStartError(status.error_message());
    }
  }

  const bool tty = plan_.spec.tty;
  std::unique_ptr<RawTerminal> raw;
  if (tty && interactive_) {
    auto enabled = RawTerminal::Enable(STDIN_FILENO);
    if (enabled.ok()) {
      raw = *std::move(enabled);
    }
  }
  std::unique_ptr<SignalWatcher> signals;
  if (tty && IsTerminal(STDOUT_FILENO)) {
    // Watch first, then send the current size: a SIGWINCH arriving in
    // between would otherwise be lost (its default action is to ignore it).
    auto watcher = SignalWatcher::Start({SIGWINCH}, [this](int) { Resize(); });
    if (watcher.ok()) {
      signals = *std::move(watcher);
    }
    Resize();
  } else if (!tty) {
    auto watcher = SignalWatcher::Start(
        std::vector<int>(std::begin(kProxiedSignals), std::end(kProxiedSignals)),
        [this](int sig) { ForwardSignal(sig); });
    if (watcher.ok()) {
      signals = *std::move(watcher);
    }
  }

  output_thread_ = std::thread([this] { PumpOutput(); });
  if (interactive_) {
    int stop_pipe[2];
    if (pipe2(stop_pipe, O_CLOEXEC) == 0) {
      stdin_stop_fd_ = stop_pipe[1];
      stdin_thread_ = std::thread([this, stop_read = stop_pipe[0]] {
        PumpStdin(stop_read);
        close(stop_read);
      });
    }
  }

  output_thread_.join();
  // The container's output is over; whatever stdin still holds has no reader.
  StopStdinPump();
  attach_->WritesDone();
  attach_finished_ = true;
  grpc::Status attach_status = attach_->Finish();
  signals.reset();
  if (raw) {
    raw->Restore();
  }
  if (!attach_status.ok() && attach_status.error_code() != grpc::StatusCode::CANCELLED) {
    client_.PrintError(attach_status, "berth: ");
  }
  return ExitCodeFromWait();
}

void ForegroundRun::CancelAttach() {
  if (attach_ && !attach_finished_) {
    attach_finished_ = true;
    attach_context_.TryCancel();
    attach_->Finish();
  }
}

void ForegroundRun::CancelWait() {
  if (wait_ && !wait_finished_) {
    wait_finished_ = true;
    wait_context_.TryCancel();
    wait_->Finish();
  }
}

void ForegroundRun::PumpOutput() {
  berth::v1::AttachOutput out;
  bool writable = true;
  while (attach_->Read(&out)) {
    if (!out.has_output() || !writable) {
      continue;  // keep draining so the stream ends normally
    }
    // A tty container has one stream; its raw bytes belong on stdout.
    const bool to_stderr =
        !plan_.spec.tty && out.output().stream() == berth::v1::STD_STREAM_STDERR;
    writable = WriteAll(to_stderr ? STDERR_FILENO : STDOUT_FILENO, out.output().data());
  }
}

void ForegroundRun::PumpStdin(int stop_fd) {
  std::string buf(kStdinChunkSize, '\0');
  struct pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {stop_fd, POLLIN, 0}};
  for (;;) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) {
        continue;
      }
      return;
    }
    if (fds[1].revents != 0) {
      return;
    }
    const ssize_t n = read(STDIN_FILENO, buf.data(), buf.size());
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
      continue;
    }
    berth::v1::AttachInput input;
    if (n <= 0) {
      // EOF (or an unreadable stdin): the container's stdin closes too.
      input.set_close_stdin(true);
      attach_->Write(input);
      return;
    }
    input.set_stdin(buf.data(), static_cast<size_t>(n));
    if (!attach_->Write(input)) {
      return;
    }
  }
}

void ForegroundRun::StopStdinPump() {
  if (stdin_stop_fd_ >= 0) {
    close(stdin_stop_fd_);  // POLLHUP on the read end ends PumpStdin
    stdin_stop_fd_ = -1;
  }
  if (stdin_thread_.joinable()) {
    stdin_thread_.join();
  }
}

void ForegroundRun::Resize() {
  auto size = GetTerminalSize(STDOUT_FILENO);
  if (!size.has_value()) {
    return;
  }
  auto context = client_.UnaryContext(std::chrono::seconds(5));
  berth::v1::ResizeContainerApiRequest request;
  request.set_container(id_);
  request.set_height(size->height);
  request.set_width(size->width);
  berth::v1::ResizeContainerApiResponse response;
  // A resize racing the container's exit fails harmlessly; nothing to report.
  client_.stub().ResizeContainer(context.get(), request, &response);
}

void ForegroundRun::ForwardSignal(int sig) {
  auto context = client_.UnaryContext(std::chrono::seconds(5));
  berth::v1::KillContainerApiRequest request;
  request.set_container(id_);
  request.set_signal(SignalName(sig));
  berth::v1::KillContainerApiResponse response;
  grpc::Status status = client_.stub().KillContainer(context.get(), request, &response);
  if (!status.ok()) {
    client_.PrintError(status, "berth: forwarding " + SignalName(sig) + ": ");
  }
}

int ForegroundRun::ExitCodeFromWait() {
  berth::v1::WaitEvent event;
  while (wait_->Read(&event)) {
    if (!event.has_exit()) {
      continue;
    }
    CancelWait();
    if (!event.exit().error().empty()) {
      std::cerr << "berth: Error response from daemon: " << event.exit().error() << std::endl;
      return kExitRunFailed;
    }
    return event.exit().exit_code();
  }
  wait_finished_ = true;
  grpc::Status status = wait_->Finish();
  if (status.ok()) {
    std::cerr << "berth: wait stream ended without an exit status" << std::endl;
  } else {
    client_.PrintError(status, "berth: ");
  }
  return kExitRunFailed;
}

}  // namespace

int RunRun(const GlobalOptions& global, const RunFlags& flags) {
  if (flags.tty && flags.interactive && !flags.detach && !IsTerminal(STDIN_FILENO)) {
    std::cerr << "berth: the input device is not a TTY" << std::endl;
    return kExitError;
  }
  std::optional<ConsoleSize> console;
  if (flags.tty) {
    console = GetTerminalSize(STDOUT_FILENO);
  }
  auto plan = BuildRunPlan(flags, console, LookupClientEnv, ReadClientFile);
  if (!plan.ok()) {
    std::cerr << "berth: " << plan.status().message() << ".\nSee 'berth run --help'."
              << std::endl;
    return kExitRunFailed;
  }

  ApiClient client(global.host);
  berth::v1::CreateContainerApiRequest create;
  create.set_name(plan->name);
  *create.mutable_config() = ToProto(plan->spec);
  berth::v1::CreateContainerApiResponse created;
  {
    auto context = client.UnaryContext();
    grpc::Status status = client.stub().CreateContainer(context.get(), create, &created);
    if (!status.ok()) {
      client.PrintError(status, "berth: ");
      std::cerr << "See 'berth run --help'." << std::endl;
      return kExitRunFailed;
    }
  }
  for (const std::string& warning : created.warnings()) {
    std::cerr << "WARNING: " << warning << std::endl;
  }

  if (!plan->attach) {
    auto context = client.UnaryContext(kStartDeadline);
    berth::v1::StartContainerApiRequest request;
    request.set_container(created.id());
    berth::v1::StartContainerApiResponse response;
    grpc::Status status = client.stub().StartContainer(context.get(), request, &response);
    if (!status.ok()) {
      client.PrintError(status, "berth: ");
      return status.error_code() == grpc::StatusCode::UNAVAILABLE
                 ? kExitRunFailed
                 : ExitCodeForStartError(status.error_message());
    }
    std::cout << created.id() << std::endl;
    return kExitOk;
  }

  ForegroundRun run(client, created.id(), *plan, flags.interactive);
  grpc::Status prepared = run.Prepare();
  if (!prepared.ok()) {
    client.PrintError(prepared, "berth: ");
    if (plan->spec.auto_remove) {
      // The container never started, so the daemon's auto-remove never fires.
      RemoveQuietly(client, created.id());
    }
    return kExitRunFailed;
  }
  return run.StartAndStream();
}

}  // namespace berth::cli
