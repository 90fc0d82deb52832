#include "cli/disk_usage.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "cli/format.h"

namespace berth::cli {
namespace {

// "4.26MB (50%)", or just the size when the total is 0.
std::string Reclaimable(int64_t reclaimable, int64_t total) {
  if (total <= 0) return HumanSize(reclaimable);
  return absl::StrCat(HumanSize(reclaimable), " (", reclaimable * 100 / total, "%)");
}

}  // namespace

std::string FormatDiskUsage(const v1::DiskUsageResponse& usage) {
  int images_active = 0;
  int64_t images_used = 0;
  for (const auto& u : usage.images()) {
    if (u.containers() == 0) continue;
    ++images_active;
    if (u.image().size() >= 0 && u.shared_size() >= 0) {
      images_used += u.image().size() - u.shared_size();
    }
  }
  int containers_active = 0;
  int64_t containers_size = 0, containers_reclaimable = 0;
  for (const auto& u : usage.containers()) {
    v1::ContainerStatus s = u.container().state().status();
    bool active = s == v1::CONTAINER_STATUS_RUNNING || s == v1::CONTAINER_STATUS_PAUSED;
    containers_active += active ? 1 : 0;
    if (u.size_rw() < 0) continue;
    containers_size += u.size_rw();
    if (!active) containers_reclaimable += u.size_rw();
  }
  int volumes_active = 0;
  int64_t volumes_size = 0, volumes_reclaimable = 0;
  for (const v1::Volume& v : usage.volumes()) {
    bool active = v.used_by_size() > 0;
    volumes_active += active ? 1 : 0;
    if (v.size() < 0) continue;
    volumes_size += v.size();
    if (!active) volumes_reclaimable += v.size();
  }
  const int64_t layers = usage.layers_size();
  std::vector<std::vector<std::string>> rows = {
      {"TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"},
      {"Images", absl::StrCat(usage.images_size()), absl::StrCat(images_active),
       HumanSize(layers), Reclaimable(layers - images_used, layers)},
      {"Containers", absl::StrCat(usage.containers_size()), absl::StrCat(containers_active),
       HumanSize(containers_size), Reclaimable(containers_reclaimable, containers_size)},
      {"Local Volumes", absl::StrCat(usage.volumes_size()), absl::StrCat(volumes_active),
       HumanSize(volumes_size), Reclaimable(volumes_reclaimable, volumes_size)},
      {"Build Cache", "0", "0", "0B", "0B"},
  };
  return FormatTable(rows);
}

}  // namespace berth::cli
