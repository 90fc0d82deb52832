#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/netd/ports/port_spec.h"

namespace berth::netd {

// Where an endpoint is in its life. A record is written as kCreating BEFORE
// any kernel object exists, so a crash in the middle of Attach leaves a
// record that tells Recover exactly what to undo (veth, netns, lease); it
// becomes kActive once everything is in place.
enum class EndpointState { kCreating, kActive };

// One attached container, as persisted.
struct EndpointRecord {
  std::string container_id;
  std::string container_name;
  std::string hostname;
  std::vector<std::string> aliases;
  std::string mode;  // "bridge" or "none"
  EndpointState state = EndpointState::kCreating;
  std::string netns_path;
  std::string network_id;
  std::string endpoint_id;
  // Bridge mode only:
  std::string ip_address;
  int prefix_len = 0;
  std::string gateway;
  std::string mac_address;
  std::string host_veth;
  std::vector<ports::PortSpec> ports;  // resolved host ports

  bool operator==(const EndpointRecord&) const = default;
};

// Persists endpoint records as one JSON file per container under a directory,
// each written atomically, so an update touches only that container's file.
class EndpointStore {
 public:
  explicit EndpointStore(std::string dir) : dir_(std::move(dir)) {}

  // Creates or replaces the record of record.container_id.
  absl::Status Put(const EndpointRecord& record);

  // Removes the record. OK if there is none.
  absl::Status Delete(const std::string& container_id);

  // Every record, sorted by container id. A missing directory gives none;
  // DataLoss names a file that cannot be parsed (left in place for a human).
  absl::StatusOr<std::vector<EndpointRecord>> LoadAll() const;

  // Serialization, exposed for tests.
  static std::string ToJson(const EndpointRecord& record);
  static absl::StatusOr<EndpointRecord> FromJson(const std::string& json);

 private:
  std::string PathFor(const std::string& container_id) const;
  std::string dir_;
};

}  // namespace berth::netd
