// --runtime runc: the OCI runtime configuration (runtime-spec 1.0
// config.json) of a container, built from the same resolved ShimConfig that
// Berth's own init applies — rootfs, mounts, namespaces with the netns path
// from netd, capabilities, seccomp, masked and read-only paths, rlimits,
// cgroup path and limits, env, cwd, terminal — so both runtimes confine a
// container alike. The user is numeric in OCI: the shim fills it in once the
// image's /etc/passwd and /etc/group can be read (SetOciUser). Pure.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "services/runtimed/spec/shim_config.h"

namespace berth::runtimed::spec {

// The whole config.json. `seccomp` is the OCI linux.seccomp object (null:
// none); `rootfs_dir` the mounted image (c.rootfs_dir). InvalidArgument for
// a device rule it cannot express.
absl::StatusOr<nlohmann::json> OciConfig(const ShimConfig& c, const nlohmann::json& seccomp);

// The OCI process of `c` (also runc exec's --process file): args, env, cwd,
// terminal, capabilities, rlimits, no_new_privileges; user 0:0 until
// SetOciUser.
nlohmann::json OciProcess(const ShimConfig& c);

// process.user: numeric ids, as dockerd resolves them.
void SetOciUser(nlohmann::json& process, uid_t uid, gid_t gid,
                const std::vector<gid_t>& additional_gids);

// "c 1:3 rwm", "b *:* m", "a" (every device) → linux.resources.devices
// entries (allow), after a first entry denying all.
absl::StatusOr<nlohmann::json> OciDeviceRules(const std::vector<std::string>& rules);

}  // namespace berth::runtimed::spec
