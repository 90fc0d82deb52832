#include "services/apid/rest/disk_usage_json.h"

#include <nlohmann/json.hpp>

#include "services/apid/rest/container_json.h"
#include "services/apid/rest/image_json.h"
#include "services/apid/rest/volume_json.h"

namespace berth::apid::rest {

using OJson = nlohmann::ordered_json;

std::string DiskUsageJson(const v1::DiskUsageResponse& usage, absl::Time now) {
  OJson images = OJson::array();
  for (const auto& u : usage.images()) {
    OJson j = ImageListEntry(u.image());
    j["Containers"] = u.containers();
    j["SharedSize"] = u.shared_size();
    images.push_back(std::move(j));
  }
  OJson containers = OJson::array();
  for (const auto& u : usage.containers()) {
    OJson j = ContainerListEntry(u.container(), now);
    j["SizeRw"] = u.size_rw();
    j["SizeRootFs"] = u.size_root_fs();
    containers.push_back(std::move(j));
  }
  OJson volumes = OJson::array();
  for (const v1::Volume& v : usage.volumes()) {
    OJson j = VolumeJson(v);
    j["UsageData"] = {{"Size", v.size()}, {"RefCount", v.used_by_size()}};
    volumes.push_back(std::move(j));
  }
  OJson out;
  out["LayersSize"] = usage.layers_size();
  out["Images"] = std::move(images);
  out["Containers"] = std::move(containers);
  out["Volumes"] = std::move(volumes);
  out["BuildCache"] = OJson::array();
  return out.dump(-1, ' ', false, OJson::error_handler_t::replace);
}

}  // namespace berth::apid::rest
