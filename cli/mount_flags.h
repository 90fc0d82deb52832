// `berth run -v/--mount/--tmpfs/--volumes-from` → the storage fields of the
// container config, with the docker CLI's rules (pure; unit-tested):
//   - `-v /path` (no colon) asks for an anonymous volume (Config.Volumes);
//     `-v SRC:DST[:MODE]` is sent as written (HostConfig.Binds) and parsed
//     by the daemon, which both faces share;
//   - `--mount type=volume|bind|tmpfs,source|src=..,target|dst|destination=..,
//     readonly|ro[=bool],bind-propagation=..,volume-nocopy[=bool],
//     volume-label=K=V,tmpfs-size=64m,tmpfs-mode=1770` (a CSV like docker's);
//   - `--tmpfs /path[:OPTIONS]`;
//   - `--volumes-from CONTAINER[:ro|rw]` passes through.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::cli {

// Mirrors berth.v1.MountRequest.
struct MountFlag {
  std::string type;
  std::string source;
  std::string target;
  bool read_only = false;
  std::string propagation;
  bool no_copy = false;
  std::map<std::string, std::string> volume_labels;
  int64_t tmpfs_size = 0;
  uint32_t tmpfs_mode = 0;

  bool operator==(const MountFlag&) const = default;
};

struct StorageFlags {
  std::vector<std::string> volume;        // -v, --volume
  std::vector<std::string> mount;         // --mount
  std::vector<std::string> tmpfs;         // --tmpfs
  std::vector<std::string> volumes_from;  // --volumes-from
};

// Mirrors the storage fields of berth.v1.ContainerConfig.
struct StorageSpec {
  std::vector<std::string> binds;
  std::vector<std::string> volumes;  // anonymous volume paths
  std::vector<MountFlag> mounts;
  std::map<std::string, std::string> tmpfs;
  std::vector<std::string> volumes_from;

  bool operator==(const StorageSpec&) const = default;
};

// One --mount value. InvalidArgument naming the bad field.
absl::StatusOr<MountFlag> ParseMountFlag(const std::string& text);

// All storage flags. InvalidArgument for an empty -v, a relative -v path
// without a source, a malformed --mount or a --tmpfs target not absolute.
absl::StatusOr<StorageSpec> BuildStorageSpec(const StorageFlags& flags);

}  // namespace berth::cli
