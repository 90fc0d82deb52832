#pragma once

// Version and Info, assembled from host facts, the backends' health and their
// counts. Shared by the gRPC API and the REST /version and /info.

#include <string>
#include <vector>

#include "berth/v1/api.pb.h"
#include "services/apid/clients/clients.h"
#include "services/apid/clients/health_monitor.h"
#include "services/apid/system_info.h"

namespace berth::apid {

inline constexpr char kDockerApiVersion[] = "1.41";
inline constexpr char kDockerMinApiVersion[] = "1.12";

struct InfoResult {
  v1::InfoResponse info;
  // One line per service that is down or whose counts could not be read;
  // /info puts these in Warnings.
  std::vector<std::string> warnings;
};

class SystemService {
 public:
  SystemService(HostFacts facts, std::string engine_id, std::string root_dir, ImagedClient& imaged,
                RuntimedClient& runtimed, HealthMonitor& health);

  v1::VersionResponse Version() const;

  // Never fails: with a backend down, its counts stay 0 and a warning says so.
  InfoResult Info();

  // docker system df: layer bytes (imaged), top-level images with the
  // containers made from each, every container's writable layer, every
  // volume sized. UNAVAILABLE when imaged or runtimed is down.
  absl::StatusOr<v1::DiskUsageResponse> DiskUsage();

  const HostFacts& facts() const { return facts_; }

 private:
  HostFacts facts_;
  std::string engine_id_;
  std::string root_dir_;
  ImagedClient& imaged_;
  RuntimedClient& runtimed_;
  HealthMonitor& health_;
};

}  // namespace berth::apid
