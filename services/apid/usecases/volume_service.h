#pragma once

// Volumes for both faces (REST /volumes, gRPC Berth.*Volume). Volumes are
// runtimed's (it knows which containers mount them), so this use case only
// validates what the faces hand it and forwards; it is the one place the
// faces reach volumes through.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "berth/v1/runtimed.pb.h"
#include "services/apid/clients/clients.h"

namespace berth::apid {

class VolumeService {
 public:
  explicit VolumeService(RuntimedClient& runtimed) : runtimed_(runtimed) {}

  // Idempotent for an existing name; INVALID_ARGUMENT for a driver other
  // than "local" or driver options (runtimed's words).
  absl::StatusOr<v1::Volume> Create(const v1::CreateVolumeRequest& request);
  absl::StatusOr<v1::Volume> Inspect(const std::string& name);
  absl::StatusOr<std::vector<v1::Volume>> List(const v1::VolumeFilters& filters);
  // FAILED_PRECONDITION (409) while a container mounts it.
  absl::Status Remove(const std::string& name, bool force);
  // Removes every unused volume matching the label filters.
  absl::StatusOr<v1::PruneVolumesResponse> Prune(const v1::VolumeFilters& filters);

 private:
  RuntimedClient& runtimed_;
};

}  // namespace berth::apid
