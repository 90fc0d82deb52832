#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/netd/ipam/ipv4.h"

namespace berth::netd::ipam {

// The address leases of one subnet. Pure (no I/O): LeaseStore persists it.
//
// Allocation walks forward from the address after the last one handed out and
// wraps around, like Docker's IPAM, so a just-released address is not reused at
// once (a stale ARP entry or a late packet then does not reach a new container).
// The network, gateway and broadcast addresses are never handed out.
// Allocate hands out addresses of `range` only (Docker's --ip-range, the whole
// subnet by default); Reserve accepts any host address of the subnet, as a
// static --ip may lie outside the range.
class AddressPool {
 public:
  explicit AddressPool(Ipv4Subnet subnet) : AddressPool(subnet, subnet.gateway(), subnet) {}
  // `gateway` must be a host address of `subnet` and `range` lie inside it
  // (ValidatePoolConfig checks both for input from users).
  AddressPool(Ipv4Subnet subnet, uint32_t gateway, Ipv4Subnet range);

  const Ipv4Subnet& subnet() const { return subnet_; }

  // Leases a free address of the range to `owner` (a container id).
  // ResourceExhausted when every one is leased.
  absl::StatusOr<uint32_t> Allocate(const std::string& owner);

  // Leases the given address (recovery from persisted state). InvalidArgument if
  // it is not an allocatable address of the subnet, AlreadyExists if another
  // owner holds it; leasing it again to the same owner is OK.
  absl::Status Reserve(uint32_t address, const std::string& owner);

  // Returns the address to the pool. Returns false if it was not leased.
  bool Release(uint32_t address);

  // Every leased address with its owner.
  const std::map<uint32_t, std::string>& leases() const { return leases_; }

  // The address from which the next search starts (persisted so a restart
  // keeps the no-quick-reuse behaviour).
  uint32_t next() const { return next_; }
  void set_next(uint32_t next);

  // Number of addresses Allocate can hand out: the range minus network,
  // gateway and broadcast of the subnet.
  uint64_t capacity() const;

  uint32_t gateway() const { return gateway_; }

 private:
  bool Allocatable(uint32_t address) const;
  bool InRange(uint32_t address) const;
  uint32_t first() const;
  uint32_t last() const;

  Ipv4Subnet subnet_;
  uint32_t gateway_;
  Ipv4Subnet range_;
  std::map<uint32_t, std::string> leases_;
  uint32_t next_;
};

}  // namespace berth::netd::ipam
