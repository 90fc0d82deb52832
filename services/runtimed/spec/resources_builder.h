// berth.v1.Resources (Docker's HostConfig resource fields) → the cgroup
// limits the shim writes, validated as dockerd validates them, with its error
// texts ("Minimum memory limit allowed is 6MB", "Range of CPUs is from 0.01
// to 2.00, as there are only 2 CPUs available", ...). A limit the kernel does
// not offer is dropped with Docker's warning, as dockerd does. Pure: the
// host's facts come in as HostResources.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "berth/v1/types.pb.h"
#include "services/runtimed/cgroups/cgroup_manager.h"

namespace berth::runtimed::spec {

struct HostResources {
  int cpus = 0;                 // online CPUs
  std::string cpus_online;      // "0-1", /sys/devices/system/cpu/online
  std::string mems_online;      // "0", /sys/devices/system/node/online
  cgroups::Version version = cgroups::Version::kV1;
  cgroups::Features features;

  // This host, probed once by runtimed at startup.
  static HostResources Probe();
};

struct ResolvedResources {
  cgroups::Limits limits;
  int64_t shm_size = 64 << 20;
  std::vector<std::string> warnings;  // Docker's texts for discarded limits
};

// `update`: a live update (docker update), where MemorySwap may come without
// Memory and nothing defaults. InvalidArgument with Docker's text otherwise.
absl::StatusOr<ResolvedResources> BuildResources(const v1::Resources& r, const HostResources& host,
                                                 bool update = false);

// A cpuset list ("0-2,5") → its members; InvalidArgument when malformed.
absl::StatusOr<std::set<int>> ParseCpuList(const std::string& list);

}  // namespace berth::runtimed::spec
