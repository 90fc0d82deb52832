#include "services/apid/usecases/volume_service.h"

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"

namespace berth::apid {

absl::StatusOr<v1::Volume> VolumeService::Create(const v1::CreateVolumeRequest& request) {
  absl::StatusOr<v1::Volume> volume = runtimed_.CreateVolume(request);
  if (volume.ok()) spdlog::info("volume={} created or found", volume->name());
  return volume;
}

absl::StatusOr<v1::Volume> VolumeService::Inspect(const std::string& name) {
  if (name.empty()) return absl::InvalidArgumentError("volume name must not be empty");
  return runtimed_.InspectVolume(name);
}

absl::StatusOr<std::vector<v1::Volume>> VolumeService::List(const v1::VolumeFilters& filters) {
  return runtimed_.ListVolumes(filters, /*with_size=*/false);
}

absl::Status VolumeService::Remove(const std::string& name, bool force) {
  if (name.empty()) return absl::InvalidArgumentError("volume name must not be empty");
  absl::Status removed = runtimed_.RemoveVolume(name, force);
  if (removed.ok()) spdlog::info("volume={} removed", name);
  return removed;
}

absl::StatusOr<v1::PruneVolumesResponse> VolumeService::Prune(const v1::VolumeFilters& filters) {
  if (!filters.name().empty() || !filters.dangling().empty() || !filters.driver().empty()) {
    return absl::InvalidArgumentError("volume prune accepts only label filters");
  }
  absl::StatusOr<v1::PruneVolumesResponse> pruned = runtimed_.PruneVolumes(filters);
  if (pruned.ok()) spdlog::info("pruned {} volumes", pruned->deleted_size());
  return pruned;
}

}  // namespace berth::apid
