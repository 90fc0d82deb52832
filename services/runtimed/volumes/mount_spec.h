// Docker's storage option syntaxes, parsed into one shape (pure; unit-tested):
//   - HostConfig.Binds / `-v`: "NAME:/path[:opts]" (a named volume) or
//     "/host:/path[:opts]" (a bind), opts a comma list of ro|rw, z|Z,
//     nocopy (volumes), a propagation (binds) and a consistency (ignored);
//   - HostConfig.Tmpfs / `--tmpfs`: "/path" -> "size=64m,mode=1777,exec...";
//   - HostConfig.Mounts / `--mount`: already structured (v1::MountRequest),
//     only validated here.
// Errors are InvalidArgument with dockerd's words ("invalid volume
// specification: 'x'", "invalid mount config for type \"bind\": ...").
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "berth/v1/types.pb.h"

namespace berth::runtimed::volumes {

// One requested mount before it is resolved against the volumes and the host.
struct MountIntent {
  std::string type;         // "volume", "bind", "tmpfs"
  std::string source;       // volume name ("" anonymous) or host path
  std::string destination;  // absolute, cleaned
  bool read_only = false;
  std::string mode;         // the mode as written in a bind spec ("ro", "z", ...)
  std::string propagation;  // binds: "rprivate" unless given
  bool no_copy = false;
  bool create_host_dir = false;     // -v creates a missing host dir; --mount refuses it
  std::map<std::string, std::string> volume_labels;
  std::vector<std::string> tmpfs_options;  // mount options of a tmpfs

  bool operator==(const MountIntent&) const = default;
};

// Docker's volume name rule: [a-zA-Z0-9][a-zA-Z0-9_.-]+ (at least 2 chars).
bool IsValidVolumeName(const std::string& name);

// "/a//b/" -> "/a/b"; InvalidArgument when not absolute, "/" or has "..".
absl::StatusOr<std::string> CleanDestination(const std::string& path, const std::string& what);

// One HostConfig.Binds entry.
absl::StatusOr<MountIntent> ParseBind(const std::string& spec);

// One HostConfig.Tmpfs entry: Docker's defaults (noexec, nosuid, nodev)
// changed by `options` ("exec", "size=64m", "mode=755", "uid=1000", "ro").
absl::StatusOr<MountIntent> ParseTmpfs(const std::string& destination, const std::string& options);

// One HostConfig.Mounts entry.
absl::StatusOr<MountIntent> FromMountRequest(const v1::MountRequest& request);

// "container[:ro|rw]" -> {container, mode ("" keeps each mount's own)}.
absl::StatusOr<std::pair<std::string, std::string>> ParseVolumesFrom(const std::string& spec);

}  // namespace berth::runtimed::volumes
