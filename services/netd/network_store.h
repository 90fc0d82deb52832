#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace berth::netd {

// A user-defined bridge network, as persisted. The predefined networks
// (bridge, host, none) come from netd's flags and are not stored here.
struct NetworkRecord {
  std::string id;    // 64 hex
  std::string name;  // unique among all networks
  std::string driver = "bridge";
  std::string subnet;    // "10.20.0.0/24"
  std::string gateway;   // a host address of the subnet
  std::string ip_range;  // "" = the whole subnet
  std::string bridge;    // the Linux bridge
  bool internal = false;
  bool attachable = false;
  int mtu = 0;  // 0 = the kernel's default
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> options;
  std::string created;  // RFC 3339 with nanoseconds, as Docker prints it

  bool operator==(const NetworkRecord&) const = default;
};

// One JSON file per network under a directory, each written atomically
// (temp file, fsync, rename): a crash leaves the old or the new record.
// netd writes the record before it creates the bridge and deletes it after
// the bridge is gone, so Recover can always tell which bridges are its own.
class NetworkStore {
 public:
  explicit NetworkStore(std::string dir) : dir_(std::move(dir)) {}

  absl::Status Put(const NetworkRecord& record);
  // OK if there is no such record.
  absl::Status Delete(const std::string& id);
  // Every record, sorted by name. DataLoss names a file that cannot be parsed.
  absl::StatusOr<std::vector<NetworkRecord>> LoadAll() const;

  static std::string ToJson(const NetworkRecord& record);
  static absl::StatusOr<NetworkRecord> FromJson(const std::string& json);

 private:
  std::string dir_;
};

}  // namespace berth::netd
