// A container's storage options (ContainerConfig binds, mounts, tmpfs,
// volumes, volumes_from) resolved at create into the MountPoints its record
// keeps: named volumes are created when missing, anonymous ones get a fresh
// volume, bind sources are checked (`-v` makes a missing host dir, `--mount`
// refuses it, as dockerd does), tmpfs options are settled. Precedence, as in
// dockerd: binds/mounts/tmpfs, then volumes-from, then Config.Volumes (the
// image's VOLUMEs), each destination mounted once.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "berth/v1/types.pb.h"
#include "services/runtimed/spec/shim_config.h"
#include "services/runtimed/volumes/volume_store.h"

namespace berth::runtimed::volumes {

struct ResolveContext {
  VolumeStore* volumes = nullptr;
  // The record of a container named in volumes_from (NotFound otherwise).
  std::function<absl::StatusOr<v1::Container>(const std::string& ref)> lookup_container;
  absl::Time now;
};

struct ResolvedMounts {
  std::vector<v1::MountPoint> mounts;  // parents before children
  std::vector<std::string> created;   // volumes made by this call (to undo on failure)
};

// InvalidArgument for a malformed option, a duplicate destination or a
// missing --mount bind source; NotFound for an unknown volumes-from
// container. On error, the volumes it made are removed again.
absl::StatusOr<ResolvedMounts> ResolveMounts(const v1::ContainerConfig& config,
                                             const ResolveContext& context);

// The record's mounts as the shim applies them (bind for volumes and binds).
std::vector<spec::MountSpec> ShimMounts(const v1::Container& record);

// Whether `record` mounts the volume `name`.
bool MountsVolume(const v1::Container& record, const std::string& name);

}  // namespace berth::runtimed::volumes
