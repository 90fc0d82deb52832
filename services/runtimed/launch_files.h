// What a shim needs on disk before it is launched: the /etc files, the
// compiled seccomp program and config.json, the shim's runtime dirs. One
// function, used by ContainerManager and by the tests that launch real shims,
// so both start containers exactly alike.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "berth/v1/types.pb.h"
#include "services/runtimed/paths.h"
#include "services/runtimed/seccomp_cache.h"
#include "services/runtimed/spec/security_builder.h"

namespace berth::runtimed {

// `hosts` and `resolv_conf` "" mean the defaults. Returns the path of
// config.json. InvalidArgument when the record's security options do not
// hold on `host`.
absl::StatusOr<std::string> WriteLaunchFiles(const v1::Container& record, const std::string& hosts,
                                             const std::string& resolv_conf, const Paths& paths,
                                             const spec::HostFacts& host, SeccompCache& seccomp);

}  // namespace berth::runtimed
