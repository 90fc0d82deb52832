#include "services/apid/usecases/system_service.h"

#include <map>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/version/build_info.h"
#include "common/time/proto_time.h"
#include "common/status/status.h"
#include "services/apid/usecases/writable_layer.h"

namespace berth::apid {

SystemService::SystemService(HostFacts facts, std::string engine_id, std::string root_dir, ImagedClient& imaged,
                             RuntimedClient& runtimed, HealthMonitor& health)
    : facts_(std::move(facts)),
      engine_id_(std::move(engine_id)),
      root_dir_(std::move(root_dir)),
      imaged_(imaged),
      runtimed_(runtimed),
      health_(health) {}

v1::VersionResponse SystemService::Version() const {
  v1::VersionResponse r;
  r.set_version(BERTH_VERSION);
  r.set_api_version(kDockerApiVersion);
  r.set_git_commit(BuildCommit());
  r.set_os("linux");
  r.set_arch(facts_.go_arch);
  r.set_kernel_version(facts_.kernel_version);
  return r;
}

InfoResult SystemService::Info() {
  InfoResult result;
  v1::InfoResponse& info = result.info;
  info.set_id(engine_id_);
  info.set_name(facts_.hostname);
  info.set_server_version(BERTH_VERSION);
  info.set_kernel_version(facts_.kernel_version);
  info.set_operating_system(facts_.operating_system);
  info.set_architecture(facts_.architecture);
  info.set_ncpu(facts_.ncpu);
  info.set_mem_total(facts_.mem_total);
  info.set_root_dir(root_dir_);
  info.set_cgroup_version(facts_.cgroup_version);
  absl::Time now = absl::Now();
  *info.mutable_system_time() = ToTimestamp(now);

  for (const ServiceHealthResult& h : health_.CheckAll()) {
    v1::ServiceHealth* s = info.add_services();
    s->set_name(h.name);
    s->set_serving(h.serving);
    s->set_error(h.error);
    if (!h.serving) {
      result.warnings.push_back("WARNING: berth service " + h.name + " is not serving: " +
                                h.error);
    }
  }

  // /info's Runtimes and InitBinary: what runtimed really has.
  absl::StatusOr<v1::RuntimeInfoResponse> runtimes = runtimed_.RuntimeInfo();
  if (runtimes.ok()) {
    info.set_init_binary(runtimes->init_binary());
    *info.mutable_runtimes() = runtimes->runtimes();
    info.set_default_runtime(runtimes->default_runtime());
  }
  absl::StatusOr<std::vector<v1::Container>> containers = runtimed_.ListContainers(true);
  if (containers.ok()) {
    for (const v1::Container& c : *containers) {
      info.set_containers(info.containers() + 1);
      switch (c.state().status()) {
        case v1::CONTAINER_STATUS_RUNNING:
        case v1::CONTAINER_STATUS_RESTARTING:
          info.set_containers_running(info.containers_running() + 1);
          break;
        case v1::CONTAINER_STATUS_PAUSED:
          info.set_containers_paused(info.containers_paused() + 1);
          break;
        default:
          info.set_containers_stopped(info.containers_stopped() + 1);
      }
    }
  } else {
    result.warnings.push_back("WARNING: container counts unavailable: " +
                              std::string(containers.status().message()));
  }
  absl::StatusOr<std::vector<v1::Image>> images = imaged_.ListImages(false);
  if (images.ok()) {
    info.set_images(static_cast<int32_t>(images->size()));
  } else {
    result.warnings.push_back("WARNING: image count unavailable: " +
                              std::string(images.status().message()));
  }
  return result;
}

absl::StatusOr<v1::DiskUsageResponse> SystemService::DiskUsage() {
  BERTH_ASSIGN_OR_RETURN(v1::LayerUsageResponse layers, imaged_.LayerUsage());
  BERTH_ASSIGN_OR_RETURN(std::vector<v1::Image> images, imaged_.ListImages(/*all=*/false));
  BERTH_ASSIGN_OR_RETURN(std::vector<v1::Container> containers,
                         runtimed_.ListContainers(/*all=*/true));
  BERTH_ASSIGN_OR_RETURN(std::vector<v1::Volume> volumes,
                         runtimed_.ListVolumes(v1::VolumeFilters(), /*with_size=*/true));
  std::map<std::string, int> made_from;  // image id → containers
  for (const v1::Container& c : containers) ++made_from[c.image_id()];
  std::map<std::string, int64_t> image_size;

  v1::DiskUsageResponse usage;
  usage.set_layers_size(layers.layers_size());
  for (v1::Image& image : images) {
    image_size[image.id()] = image.size();
    v1::DiskUsageResponse::ImageUsage* u = usage.add_images();
    auto shared = layers.shared_size().find(image.id());
    u->set_shared_size(shared == layers.shared_size().end() ? 0 : shared->second);
    u->set_containers(made_from[image.id()]);
    *u->mutable_image() = std::move(image);
  }
  for (v1::Container& c : containers) {
    v1::DiskUsageResponse::ContainerUsage* u = usage.add_containers();
    u->set_size_rw(WritableLayerBytes(c));
    u->set_size_root_fs(u->size_rw() + image_size[c.image_id()]);
    *u->mutable_container() = std::move(c);
  }
  for (v1::Volume& v : volumes) *usage.add_volumes() = std::move(v);
  return usage;
}

}  // namespace berth::apid
