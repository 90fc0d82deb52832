#include "services/apid/usecases/system_service.h"

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/version/build_info.h"
#include "common/time/proto_time.h"

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

}  // namespace berth::apid
