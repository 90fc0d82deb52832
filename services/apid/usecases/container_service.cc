#include "services/apid/usecases/container_service.h"

#include <algorithm>
#include <functional>
#include <random>
#include <unistd.h>
#include <set>
#include <utility>

#include "common/lifecycle/restart_policy.h"
#include "common/status/status.h"
#include "common/time/proto_time.h"  // Timestamp ordering
#include "services/apid/usecases/config_merge.h"
#include "spdlog/spdlog.h"

namespace berth::apid {
namespace {

std::string Short(const std::string& id) { return id.substr(0, 12); }

bool IsContainerMode(const std::string& mode) { return mode.rfind("container:", 0) == 0; }

bool NeedsEndpoint(v1::ContainerStatus status) {
  return status == v1::CONTAINER_STATUS_RUNNING || status == v1::CONTAINER_STATUS_PAUSED ||
         status == v1::CONTAINER_STATUS_RESTARTING;
}

}  // namespace

std::string RandomContainerId() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::random_device device;  // reads the kernel's entropy pool
  std::string id;
  id.reserve(64);
  while (id.size() < 64) {
    uint32_t bits = device();
    for (int i = 0; i < 8; ++i, bits >>= 4) id.push_back(kHex[bits & 0xf]);
  }
  return id;
}

ContainerService::ContainerService(ImagedClient& imaged, NetdClient& netd,
                                   RuntimedClient& runtimed, std::function<std::string()> new_id)
    : imaged_(imaged), netd_(netd), runtimed_(runtimed), new_id_(std::move(new_id)) {}

absl::StatusOr<ContainerService::CreateResult> ContainerService::Create(
    const std::string& name, const v1::ContainerConfig& config) {
  absl::StatusOr<std::string> bare_name = NormalizeContainerName(name);
  if (!bare_name.ok()) return bare_name.status();
  absl::StatusOr<std::string> mode = NormalizeNetworkMode(config.network_mode());
  if (!mode.ok()) return mode.status();
  if (config.image().empty()) return absl::InvalidArgumentError("no image given");
  absl::StatusOr<std::vector<std::string>> warnings = CheckNetworkOptions(config, *mode);
  if (!warnings.ok()) return warnings.status();

  // container:X shares X's namespace and hostname; recorded by id so a
  // rename of X changes nothing. An unknown X fails at start (404 "No such
  // container"): a 404 from create would make the docker CLI pull the image.
  std::string joined_hostname;
  if (IsContainerMode(*mode)) {
    absl::StatusOr<v1::Container> joined = runtimed_.InspectContainer(mode->substr(10));
    if (joined.ok()) {
      *mode = "container:" + joined->id();
      joined_hostname = EffectiveHostname(joined->config(), joined->id());
    } else if (!absl::IsNotFound(joined.status())) {
      return joined.status();
    }
  }
  // Docker refuses a container on a network that does not exist at create
  // (404 "network X not found"), not only at start.
  if (*mode != "bridge" && *mode != "none" && *mode != "host" && !IsContainerMode(*mode)) {
    absl::StatusOr<v1::Network> network = netd_.InspectNetwork(*mode);
    if (!network.ok()) return network.status();
  }
  for (const v1::NetworkEndpointSettings& settings : config.networks()) {
    if (settings.network() == "bridge" || settings.network() == "default" ||
        settings.network() == *mode) {
      continue;
    }
    absl::StatusOr<v1::Network> network = netd_.InspectNetwork(settings.network());
    if (!network.ok()) return network.status();
  }

  absl::StatusOr<v1::Image> image = imaged_.InspectImage(config.image());
  if (!image.ok()) return image.status();
  absl::StatusOr<v1::ContainerConfig> merged = MergeImageConfig(image->config(), config);
  if (!merged.ok()) return merged.status();
  merged->set_network_mode(*mode);
  if (!joined_hostname.empty()) merged->set_hostname(joined_hostname);
  if (*mode == "host" && merged->hostname().empty()) {
    // Docker's host mode: the host's name, as `hostname` there says.
    char host[256] = {};
    if (::gethostname(host, sizeof(host) - 1) == 0) merged->set_hostname(host);
  }

  std::string id = new_id_();
  // Nobody knows the id yet; the turn keeps Reconcile off the new snapshot.
  ContainerLocks::Turn turn(locks_, id);
  absl::StatusOr<std::vector<v1::Mount>> mounts = imaged_.PrepareSnapshot(id, image->id());
  if (!mounts.ok()) return mounts.status();

  v1::CreateContainerRequest request;
  request.set_id(id);
  request.set_name(*bare_name);
  *request.mutable_config() = *merged;
  request.set_image_id(image->id());
  for (v1::Mount& m : *mounts) *request.add_rootfs() = std::move(m);
  absl::StatusOr<v1::Container> created = runtimed_.CreateContainer(request);
  if (!created.ok()) {
    absl::Status undo = imaged_.RemoveSnapshot(id);
    if (!undo.ok()) {
      spdlog::warn("container={} undo snapshot after failed create: {}", Short(id),
                   undo.ToString());
    }
    return created.status();
  }
  spdlog::info("container={} created name={} image={}", Short(id), created->name(),
               config.image());
  return CreateResult{created->id().empty() ? id : created->id(), *std::move(warnings)};
}

absl::StatusOr<bool> ContainerService::Start(const std::string& container) {
  absl::StatusOr<v1::Container> found = runtimed_.InspectContainer(container);
  if (!found.ok()) return found.status();
  ContainerLocks::Turn turn(locks_, found->id());
  // Read again in the turn: the workflow before ours may have started,
  // stopped or removed it.
  absl::StatusOr<v1::Container> record = runtimed_.InspectContainer(found->id());
  if (!record.ok()) return record.status();
  return StartHeld(*record);
}

absl::StatusOr<v1::AttachRequest> ContainerService::AttachRequestFor(const v1::Container& record) {
  const v1::ContainerConfig& config = record.config();
  const std::string& id = record.id();
  v1::AttachRequest attach;
  attach.set_container_id(id);
  attach.set_container_name(record.name());
  attach.set_network_mode(config.network_mode().empty() ? std::string("bridge")
                                                        : config.network_mode());
  *attach.mutable_networks() = config.networks();
  attach.set_hostname(EffectiveHostname(config, id));
  *attach.mutable_options() = config.network_options();
  if (IsContainerMode(attach.network_mode())) {
    const std::string joined_id = attach.network_mode().substr(10);
    absl::StatusOr<v1::Container> joined = runtimed_.InspectContainer(joined_id);
    if (!joined.ok()) return joined.status();
    if (joined->state().status() == v1::CONTAINER_STATUS_RESTARTING) {
      return absl::FailedPreconditionError("Container " + joined->id() +
                                           " is restarting, wait until the container is running");
    }
    if (!NeedsEndpoint(joined->state().status())) {
      return absl::FailedPreconditionError("cannot join network of a non running container: " +
                                           joined->id());
    }
    attach.set_network_mode("container:" + joined->id());
    return attach;
  }
  // Docker discards published ports in host mode (create warned about it).
  if (attach.network_mode() == "host") return attach;
  *attach.mutable_port_bindings() = config.port_bindings();
  if (config.network_options().publish_all_ports()) {
    // -P: every exposed port without a binding of its own gets a free one.
    std::set<std::string> bound;
    for (const v1::PortBinding& b : config.port_bindings()) {
      bound.insert(std::to_string(b.container_port()) + "/" + b.protocol());
    }
    for (const std::string& exposed : config.exposed_ports()) {
      if (bound.count(exposed) != 0) continue;
      const size_t slash = exposed.find('/');
      v1::PortBinding* binding = attach.add_port_bindings();
      binding->set_container_port(
          static_cast<uint32_t>(std::stoul(exposed.substr(0, slash))));
      binding->set_protocol(slash == std::string::npos ? "tcp" : exposed.substr(slash + 1));
    }
  }
  // On a user network a link is a DNS alias resolved at query time (Docker
  // does not require the linked container to run there).
  const bool legacy_links = attach.network_mode() == "bridge";
  for (const std::string& link : config.network_options().links()) {
    // "name[:alias]": the linked container must run; its hosts line names
    // the alias, its hostname and (when different from the alias) its name.
    const size_t colon = link.find(':');
    const std::string name = link.substr(0, colon);
    const std::string alias = colon == std::string::npos ? name : link.substr(colon + 1);
    absl::StatusOr<v1::Container> child = runtimed_.InspectContainer(name);
    if (absl::IsNotFound(child.status())) {
      return absl::InvalidArgumentError("could not get container for " + name);
    }
    if (!child.ok()) return child.status();
    if (legacy_links && child->state().status() != v1::CONTAINER_STATUS_RUNNING) {
      return absl::InvalidArgumentError("Cannot link to a non running container: /" +
                                        child->name() + " AS /" + record.name() + "/" + alias);
    }
    std::string names = alias + " " + EffectiveHostname(child->config(), child->id());
    if (alias != child->name()) names += " " + child->name();
    v1::ContainerLink* out = attach.add_links();
    out->set_container_id(child->id());
    out->set_names(names);
  }
  return attach;
}

absl::StatusOr<bool> ContainerService::StartHeld(const v1::Container& record) {
  if (record.state().status() == v1::CONTAINER_STATUS_RUNNING) return true;
  if (record.state().status() == v1::CONTAINER_STATUS_PAUSED) {
    return absl::FailedPreconditionError("cannot start a paused container, try unpause instead");
  }
  const std::string& id = record.id();
  // Every failure of ours ends here: an auto-remove container goes, as with
  // Docker, so a client waiting for its removal (`docker run --rm`) returns.
  auto fail = [&](const absl::Status& error) -> absl::Status {
    spdlog::info("container={} start failed: {}", Short(id), error.ToString());
    if (record.config().auto_remove()) {
      absl::Status removed = RemoveHeld(id, /*force=*/true);
      if (!removed.ok() && !absl::IsNotFound(removed)) {
        spdlog::warn("container={} auto-remove after failed start: {}", Short(id),
                     removed.ToString());
      }
    }
    return error;
  };

  absl::StatusOr<v1::AttachRequest> attach = AttachRequestFor(record);
  if (!attach.ok()) return fail(attach.status());
  absl::StatusOr<v1::AttachResponse> network = netd_.Attach(*attach);
  if (!network.ok()) return fail(network.status());

  v1::StartContainerRequest start;
  start.set_container(id);
  *start.mutable_network() = network->summary();
  start.set_resolv_conf(network->resolv_conf());
  start.set_hosts(network->hosts());
  absl::StatusOr<v1::StartContainerResponse> started = runtimed_.StartContainer(start);
  if (absl::IsAborted(started.status())) {
    // runtimed is starting it for someone else (not through this apid's
    // turn): that start owns the endpoint and the container; undo nothing.
    return absl::FailedPreconditionError(std::string(started.status().message()));
  }
  if (!started.ok()) {
    // Only what this call made: an endpoint that existed before belongs to
    // whoever attached it (its own undo, the "die" handling or reconcile).
    if (network->created()) {
      absl::Status undo = netd_.Detach(id);
      if (!undo.ok()) {
        spdlog::warn("container={} undo network after failed start: {}", Short(id),
                     undo.ToString());
      }
    }
    return fail(started.status());
  }
  if (!started->already_running()) spdlog::info("container={} started", Short(id));
  return started->already_running();
}

absl::StatusOr<bool> ContainerService::Stop(const std::string& container, int timeout_seconds,
                                            const std::string& signal) {
  absl::StatusOr<v1::Container> found = runtimed_.InspectContainer(container);
  if (!found.ok()) return found.status();
  ContainerLocks::Turn turn(locks_, found->id());
  return StopHeld(found->id(), timeout_seconds, signal);
}

absl::StatusOr<bool> ContainerService::StopHeld(const std::string& id, int timeout_seconds,
                                                const std::string& signal) {
  v1::StopContainerRequest request;
  request.set_container(id);
  request.set_timeout_seconds(timeout_seconds);
  request.set_signal(signal);
  absl::StatusOr<v1::StopContainerResponse> stopped = runtimed_.StopContainer(request);
  if (!stopped.ok()) return stopped.status();
  return stopped->already_stopped();
}

absl::Status ContainerService::Restart(const std::string& container, int timeout_seconds) {
  absl::StatusOr<v1::Container> found = runtimed_.InspectContainer(container);
  if (!found.ok()) return found.status();
  const std::string id = found->id();
  ContainerLocks::Turn turn(locks_, id);
  absl::StatusOr<bool> stopped = StopHeld(id, timeout_seconds, "");
  if (!stopped.ok()) return stopped.status();
  absl::StatusOr<v1::Container> record = runtimed_.InspectContainer(id);
  if (!record.ok()) return record.status();
  absl::StatusOr<bool> started = StartHeld(*record);
  if (!started.ok()) return started.status();
  spdlog::info("container={} restarted", Short(id));
  return absl::OkStatus();
}

absl::Status ContainerService::Kill(const std::string& container, const std::string& signal) {
  v1::KillContainerRequest request;
  request.set_container(container);
  request.set_signal(signal);
  return runtimed_.KillContainer(request);
}

absl::Status ContainerService::Remove(const std::string& container, bool force,
                                      bool remove_volumes) {
  absl::StatusOr<v1::Container> found = runtimed_.InspectContainer(container);
  if (!found.ok()) return found.status();
  ContainerLocks::Turn turn(locks_, found->id());
  return RemoveHeld(found->id(), force, remove_volumes);
}

absl::Status ContainerService::RemoveHeld(const std::string& id, bool force,
                                          bool remove_volumes) {
  absl::StatusOr<v1::Container> removed = runtimed_.RemoveContainer(id, force, remove_volumes);
  // NOT_FOUND: runtimed removed it itself (auto-remove after an exit or a
  // failed start); its endpoint and snapshot may still be there.
  if (!removed.ok() && !absl::IsNotFound(removed.status())) return removed.status();
  ReleaseAfterRemoval(id);
  if (!removed.ok()) return removed.status();
  spdlog::info("container={} removed", Short(id));
  return absl::OkStatus();
}

absl::StatusOr<v1::ContainerStats> ContainerService::Stats(const std::string& container) {
  return runtimed_.ContainerStats(container);
}

absl::StatusOr<v1::UpdateContainerResponse> ContainerService::Update(
    const v1::UpdateContainerRequest& request) {
  absl::StatusOr<v1::Container> found = runtimed_.InspectContainer(request.container());
  if (!found.ok()) return found.status();
  ContainerLocks::Turn turn(locks_, found->id());
  return runtimed_.UpdateContainer(request);
}

absl::StatusOr<v1::Container> ContainerService::Inspect(const std::string& container) {
  absl::StatusOr<v1::Container> record = runtimed_.InspectContainer(container);
  if (!record.ok() || !NeedsEndpoint(record->state().status())) return record;
  // runtimed's copy of the network is the one of the start; connect and
  // disconnect change it since, and netd has the current one.
  absl::StatusOr<v1::NetworkSummary> live = netd_.GetEndpoint(record->id());
  if (live.ok()) {
    *record->mutable_network() = *live;
  } else if (!absl::IsNotFound(live.status())) {
    spdlog::warn("container={} network view from netd: {}", Short(record->id()),
                 live.status().ToString());
  }
  return record;
}

absl::StatusOr<std::vector<v1::Container>> ContainerService::List(
    const ContainerListQuery& query) {
  BERTH_RETURN_IF_ERROR(ValidateContainerFilters(query.filters));
  BERTH_ASSIGN_OR_RETURN(std::vector<v1::Container> containers,
                         runtimed_.ListContainers(ListIncludesStopped(query)));
  std::vector<v1::Container> selected;
  for (v1::Container& c : containers) {
    if (ContainerMatches(c, query.filters)) selected.push_back(std::move(c));
  }
  std::stable_sort(selected.begin(), selected.end(),
                   [](const v1::Container& a, const v1::Container& b) {
                     return a.created() > b.created();
                   });
  if (query.limit > 0 && selected.size() > static_cast<size_t>(query.limit)) {
    selected.resize(query.limit);
  }
  return selected;
}

absl::Status ContainerService::Resize(const std::string& container, uint32_t height,
                                      uint32_t width) {
  v1::ResizeContainerRequest request;
  request.set_container(container);
  request.set_height(height);
  request.set_width(width);
  return runtimed_.ResizeContainer(request);
}

namespace {

// A wait for removal that answers only once the removal's network endpoint
// and snapshot are gone too, as dockerd's does: runtimed reports the removal
// when it drops the record, before apid's handling of the `destroy` event
// detaches the network, so a `docker run --rm` could otherwise return while
// the container's netns is still mounted.
class CleanupBeforeAnswerStream : public WaitStream {
 public:
  CleanupBeforeAnswerStream(std::unique_ptr<WaitStream> inner, std::function<void()> cleanup)
      : inner_(std::move(inner)), cleanup_(std::move(cleanup)) {}
  bool Read(v1::WaitEvent* out) override {
    bool ok = inner_->Read(out);
    if (ok && out->has_exit() && cleanup_) std::exchange(cleanup_, nullptr)();
    return ok;
  }
  void Cancel() override { inner_->Cancel(); }
  absl::Status Finish() override { return inner_->Finish(); }

 private:
  std::unique_ptr<WaitStream> inner_;
  std::function<void()> cleanup_;
};

}  // namespace

std::unique_ptr<WaitStream> ContainerService::Wait(const std::string& container,
                                                   v1::WaitCondition condition,
                                                   const grpc::ServerContextBase* parent) {
  v1::WaitContainerRequest request;
  request.set_container(container);
  request.set_condition(condition);
  std::unique_ptr<WaitStream> stream = runtimed_.WaitContainer(request, parent);
  absl::StatusOr<v1::Container> found;
  if (condition == v1::WAIT_CONDITION_REMOVED) found = runtimed_.InspectContainer(container);
  if (!found.ok()) return stream;
  std::string id = found->id();
  return std::make_unique<CleanupBeforeAnswerStream>(std::move(stream), [this, id] {
    ContainerLocks::Turn turn(locks_, id);
    // Only once the record is really gone; the `destroy` event's handling
    // repeats this harmlessly.
    if (absl::IsNotFound(runtimed_.InspectContainer(id).status())) ReleaseAfterRemoval(id);
  });
}

absl::StatusOr<ContainerService::OpenLogs> ContainerService::Logs(
    const v1::ContainerLogsRequest& request, const grpc::ServerContextBase* parent) {
  absl::StatusOr<v1::Container> c = runtimed_.InspectContainer(request.container());
  if (!c.ok()) return c.status();
  if (!request.stdout() && !request.stderr()) {
    return absl::InvalidArgumentError("You must choose at least one stream");
  }
  v1::ContainerLogsRequest resolved = request;
  resolved.set_container(c->id());
  return OpenLogs{*std::move(c), runtimed_.ContainerLogs(resolved, parent)};
}

absl::StatusOr<ContainerService::OpenAttach> ContainerService::Attach(
    const std::string& container, const AttachOptions& options) {
  absl::StatusOr<v1::Container> c = runtimed_.InspectContainer(container);
  if (!c.ok()) return c.status();
  std::unique_ptr<AttachStream> stream = runtimed_.AttachContainer(nullptr);
  v1::AttachInput open;
  open.mutable_open()->set_container(c->id());
  open.mutable_open()->set_stdin(options.stdin);
  open.mutable_open()->set_stdout(options.stdout);
  open.mutable_open()->set_stderr(options.stderr);
  open.mutable_open()->set_logs(options.logs);
  v1::AttachOutput ack;
  if (!stream->Write(open) || !stream->Read(&ack) || !ack.attached()) {
    stream->Cancel();
    absl::Status s = stream->Finish();
    return s.ok() ? absl::InternalError("attach was not acknowledged") : s;
  }
  return OpenAttach{*std::move(c), std::move(stream)};
}

std::unique_ptr<AttachStream> ContainerService::AttachRaw(const grpc::ServerContextBase* parent) {
  return runtimed_.AttachContainer(parent);
}

namespace {

// The events after which a container may have stopped (a stop or kill can
// end a container that was waiting to restart without a new "die").
bool MayHaveStopped(const std::string& action) {
  return action == "die" || action == "stop" || action == "kill";
}

}  // namespace

void ContainerService::PostEvent(const v1::Event& event) {
  if (event.type() != "container" || event.id().empty()) return;
  if (!MayHaveStopped(event.action()) && event.action() != "destroy") return;
  locks_.Post(event.id(), [this, event] { HandleEventHeld(event); });
}

void ContainerService::HandleEvent(const v1::Event& event) {
  if (event.type() != "container" || event.id().empty()) return;
  ContainerLocks::Turn turn(locks_, event.id());
  HandleEventHeld(event);
}

void ContainerService::DrainEvents() { locks_.Drain(); }

void ContainerService::HandleEventHeld(const v1::Event& event) {
  const std::string& id = event.id();
  if (!MayHaveStopped(event.action()) && event.action() != "destroy") return;
  if (MayHaveStopped(event.action())) {
    // In the turn, the "die" of a stop is seen after the start that followed
    // it (restart): keep the endpoint while runtimed says the container runs
    // or restarts (also a restart policy in the same netns).
    absl::StatusOr<v1::Container> record = runtimed_.InspectContainer(id);
    if (record.ok() && NeedsEndpoint(record->state().status())) return;
  }
  if (event.action() == "destroy") {
    ReleaseAfterRemoval(id);
    return;
  }
  if (absl::Status s = netd_.Detach(id); !s.ok()) {
    spdlog::warn("container={} detach after {}: {}", Short(id), event.action(), s.ToString());
  }
}

void ContainerService::ReleaseAfterRemoval(const std::string& id) {
  // Both calls are idempotent; what fails here is retried by Reconcile().
  if (absl::Status s = netd_.Detach(id); !s.ok()) {
    spdlog::warn("container={} detach after removal (reconcile retries): {}", Short(id),
                 s.ToString());
  }
  if (absl::Status s = imaged_.RemoveSnapshot(id); !s.ok() && !absl::IsNotFound(s)) {
    spdlog::warn("container={} remove snapshot after removal (reconcile retries): {}", Short(id),
                 s.ToString());
  }
}

absl::Status ContainerService::Reconcile() {
  // Listing snapshots and endpoints before containers means a container
  // created or started in between is seen with them. Each clean-up then runs
  // in the container's turn and asks runtimed again, so a create or start
  // that began after the listing is never undone from under it; containers
  // busy now are skipped (the next round sees them settled).
  absl::StatusOr<std::vector<std::string>> snapshots = imaged_.ListSnapshots();
  if (!snapshots.ok()) return snapshots.status();
  absl::StatusOr<std::vector<std::string>> endpoints = netd_.ListEndpoints();
  if (!endpoints.ok()) return endpoints.status();
  absl::StatusOr<std::vector<v1::Container>> containers = runtimed_.ListContainers(true);
  if (!containers.ok()) return containers.status();

  std::set<std::string> known;
  std::set<std::string> needs_endpoint;
  for (const v1::Container& c : *containers) {
    known.insert(c.id());
    if (NeedsEndpoint(c.state().status())) needs_endpoint.insert(c.id());
  }
  absl::Status first_error;
  auto keep = [&first_error](const absl::Status& s) {
    if (!s.ok() && first_error.ok()) first_error = s;
  };
  for (const std::string& key : *snapshots) {
    if (known.count(key) > 0 || locks_.Busy(key)) continue;
    ContainerLocks::Turn turn(locks_, key);
    absl::StatusOr<v1::Container> record = runtimed_.InspectContainer(key);
    if (!absl::IsNotFound(record.status())) continue;  // created meanwhile, or runtimed down
    spdlog::info("reconcile: removing snapshot {} of no container", Short(key));
    keep(imaged_.RemoveSnapshot(key));
  }
  for (const std::string& id : *endpoints) {
    if (needs_endpoint.count(id) > 0 || locks_.Busy(id)) continue;
    ContainerLocks::Turn turn(locks_, id);
    absl::StatusOr<v1::Container> record = runtimed_.InspectContainer(id);
    if (record.ok() && NeedsEndpoint(record->state().status())) continue;
    if (!record.ok() && !absl::IsNotFound(record.status())) continue;
    spdlog::info("reconcile: detaching endpoint of container {} (not running)", Short(id));
    keep(netd_.Detach(id));
  }
  return first_error;
}

absl::Status ContainerService::StartPolicyContainers() {
  absl::StatusOr<std::vector<v1::Container>> containers = runtimed_.ListContainers(true);
  if (!containers.ok()) return containers.status();
  for (const v1::Container& c : *containers) {
    // Created containers never ran: dockerd starts only those started before.
    if (c.state().status() != v1::CONTAINER_STATUS_EXITED) continue;
    const v1::RestartPolicy& policy = c.config().restart_policy();
    lifecycle::ExitFacts facts{c.state().exit_code(), c.manually_stopped(), c.restart_count()};
    if (!lifecycle::ShouldStartWithEngine(policy.name(), policy.maximum_retry_count(), facts)) {
      continue;
    }
    spdlog::info("container={} starting (restart policy {})", Short(c.id()), policy.name());
    absl::StatusOr<bool> started = Start(c.id());
    if (!started.ok()) {
      spdlog::warn("container={} start by restart policy failed: {}", Short(c.id()),
                   started.status().ToString());
    }
  }
  return absl::OkStatus();
}

}  // namespace berth::apid
