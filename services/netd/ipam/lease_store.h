#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/netd/ipam/address_pool.h"

namespace berth::netd::ipam {

// Persists one AddressPool as a JSON file, written atomically (temp file,
// fsync, rename), so a crash leaves either the old or the new lease set:
//   {"version":1,"subnet":"172.29.0.0/16","next":"172.29.0.5",
//    "leases":{"172.29.0.2":"<container id>",...}}
class LeaseStore {
 public:
  explicit LeaseStore(std::string path) : path_(std::move(path)) {}

  // Loads the pool for `subnet`. A missing file gives an empty pool. A file
  // for another subnet with no leases is discarded (the operator changed
  // --subnet on an idle host); with leases it is FailedPrecondition, because
  // live containers still use addresses of the old subnet. DataLoss when the
  // file cannot be parsed.
  absl::StatusOr<AddressPool> Load(const Ipv4Subnet& subnet) const {
    return Load(AddressPool(subnet));
  }
  // The same, starting from `empty` (a pool with its gateway and range).
  absl::StatusOr<AddressPool> Load(AddressPool empty) const;

  // Removes the file. OK if there is none.
  absl::Status Delete() const;

  // Writes the pool atomically.
  absl::Status Save(const AddressPool& pool) const;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace berth::netd::ipam
