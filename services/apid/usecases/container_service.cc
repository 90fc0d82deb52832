#include "services/apid/coordinator/coordinator.h"

#include <random>

#include "services/apid/coordinator/config_merge.h"
#include "spdlog/spdlog.h"

namespace berth::apid {
namespace {

std::string Short(const std::string& id) { return id.substr(0, 12); }

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

Coordinator::Coordinator(ImagedClient& imaged, NetdClient& netd, RuntimedClient& runtimed,
                         std::function<std::string()> new_id)
    : imaged_(imaged), netd_(netd), runtimed_(runtimed), new_id_(std::move(new_id)) {}

Coordinator::InFlight::InFlight(Coordinator& c, std::string id) : c_(c), id_(std::move(id)) {
  absl::MutexLock lock(&c_.mu_);
  c_.in_flight_.insert(id_);
}

Coordinator::InFlight::~InFlight() {
  absl::MutexLock lock(&c_.mu_);
  c_.in_flight_.erase(c_.in_flight_.find(id_));
}

bool Coordinator::IsInFlight(const std::string& id) {
  absl::MutexLock lock(&mu_);
  return in_flight_.count(id) > 0;
}

absl::StatusOr<Coordinator::CreateResult> Coordinator::Create(const std::string& name,
                                                              const v1::ContainerConfig& config) {
  absl::StatusOr<std::string> bare_name = NormalizeContainerName(name);
  if (!bare_name.ok()) return bare_name.status();
  absl::StatusOr<std::string> mode = NormalizeNetworkMode(config.network_mode());
  if (!mode.ok()) return mode.status();
  if (config.image().empty()) return absl::InvalidArgumentError("no image given");

  absl::StatusOr<v1::Image> image = imaged_.InspectImage(config.image());
  if (!image.ok()) return image.status();
  absl::StatusOr<v1::ContainerConfig> merged = MergeImageConfig(image->config(), config);
  if (!merged.ok()) return merged.status();
  merged->set_network_mode(*mode);

  std::string id = new_id_();
  InFlight busy(*this, id);
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
  return CreateResult{created->id().empty() ? id : created->id(), {}};
}

absl::StatusOr<bool> Coordinator::Start(const std::string& container) {
  absl::StatusOr<v1::Container> record = runtimed_.InspectContainer(container);
  if (!record.ok()) return record.status();
  if (record->state().status() == v1::CONTAINER_STATUS_RUNNING) return true;
  const std::string& id = record->id();
  InFlight busy(*this, id);

  v1::AttachRequest attach;
  attach.set_container_id(id);
  attach.set_container_name(record->name());
  attach.set_network_mode(record->config().network_mode().empty()
                              ? std::string("bridge")
                              : record->config().network_mode());
  *attach.mutable_port_bindings() = record->config().port_bindings();
  attach.set_hostname(EffectiveHostname(record->config(), id));
  absl::StatusOr<v1::AttachResponse> network = netd_.Attach(attach);
  if (!network.ok()) return network.status();

  v1::StartContainerRequest start;
  start.set_container(id);
  *start.mutable_network() = network->summary();
  start.set_resolv_conf(network->resolv_conf());
  start.set_hosts(network->hosts());
  absl::StatusOr<v1::StartContainerResponse> started = runtimed_.StartContainer(start);
  if (!started.ok()) {
    absl::Status undo = netd_.Detach(id);
    if (!undo.ok()) {
      spdlog::warn("container={} undo network after failed start: {}", Short(id),
                   undo.ToString());
    }
    spdlog::info("container={} start failed: {}", Short(id), started.status().ToString());
    return started.status();
  }
  if (!started->already_running()) spdlog::info("container={} started", Short(id));
  return started->already_running();
}

absl::Status Coordinator::Remove(const std::string& container, bool force) {
  absl::StatusOr<v1::Container> removed = runtimed_.RemoveContainer(container, force);
  if (!removed.ok()) return removed.status();
  const std::string& id = removed->id();
  if (absl::Status s = netd_.Detach(id); !s.ok()) {
    spdlog::warn("container={} detach after removal (reconcile retries): {}", Short(id),
                 s.ToString());
  }
  if (absl::Status s = imaged_.RemoveSnapshot(id); !s.ok()) {
    spdlog::warn("container={} remove snapshot after removal (reconcile retries): {}", Short(id),
                 s.ToString());
  }
  spdlog::info("container={} removed", Short(id));
  return absl::OkStatus();
}

void Coordinator::HandleEvent(const v1::Event& event) {
  if (event.type() != "container" || event.id().empty()) return;
  const std::string& id = event.id();
  if (event.action() != "die" && event.action() != "destroy") return;
  if (event.action() == "die") {
    // A restart policy restarts the process in the same netns: keep the
    // endpoint while runtimed says the container runs or restarts.
    absl::StatusOr<v1::Container> record = runtimed_.InspectContainer(id);
    if (record.ok() && NeedsEndpoint(record->state().status())) return;
  }
  if (absl::Status s = netd_.Detach(id); !s.ok()) {
    spdlog::warn("container={} detach after {}: {}", Short(id), event.action(), s.ToString());
  }
  if (event.action() == "destroy") {
    if (absl::Status s = imaged_.RemoveSnapshot(id); !s.ok()) {
      spdlog::warn("container={} remove snapshot after destroy: {}", Short(id), s.ToString());
    }
  }
}

absl::Status Coordinator::Reconcile() {
  // Listing snapshots and endpoints before containers means a container
  // created or started in between is seen with them; work in flight at the
  // start or the end of the listing is skipped.
  std::multiset<std::string> busy_before;
  {
    absl::MutexLock lock(&mu_);
    busy_before = in_flight_;
  }
  auto busy = [&](const std::string& id) { return busy_before.count(id) > 0 || IsInFlight(id); };
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
  for (const std::string& key : *snapshots) {
    if (known.count(key) > 0 || busy(key)) continue;
    spdlog::info("reconcile: removing snapshot {} of no container", Short(key));
    absl::Status s = imaged_.RemoveSnapshot(key);
    if (!s.ok() && first_error.ok()) first_error = s;
  }
  for (const std::string& id : *endpoints) {
    if (needs_endpoint.count(id) > 0 || busy(id)) continue;
    spdlog::info("reconcile: detaching endpoint of container {} (not running)", Short(id));
    absl::Status s = netd_.Detach(id);
    if (!s.ok() && first_error.ok()) first_error = s;
  }
  return first_error;
}

}  // namespace berth::apid
