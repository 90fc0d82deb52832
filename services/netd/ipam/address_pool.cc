#include "services/netd/ipam/address_pool.h"

#include "absl/strings/str_cat.h"

namespace berth::netd::ipam {

AddressPool::AddressPool(Ipv4Subnet subnet, uint32_t gateway, Ipv4Subnet range)
    : subnet_(subnet), gateway_(gateway), range_(range), next_(first()) {
  // Skips the network address and a gateway at the start of the range.
  for (int i = 0; i < 2 && !InRange(next_) && next_ < last(); ++i) ++next_;
}

// The range's first and last addresses that are host addresses of the subnet
// (a range equal to the subnet loses the network and broadcast addresses).
uint32_t AddressPool::first() const {
  return range_.network == subnet_.network ? subnet_.network + 1 : range_.network;
}
uint32_t AddressPool::last() const {
  return range_.broadcast() == subnet_.broadcast() ? subnet_.broadcast() - 1 : range_.broadcast();
}

bool AddressPool::Allocatable(uint32_t address) const {
  return subnet_.Contains(address) && address != subnet_.network &&
         address != subnet_.broadcast() && address != gateway_;
}

bool AddressPool::InRange(uint32_t address) const {
  return Allocatable(address) && address >= first() && address <= last();
}

uint64_t AddressPool::capacity() const {
  uint64_t size = uint64_t{last()} - first() + 1;
  return gateway_ >= first() && gateway_ <= last() ? size - 1 : size;
}

void AddressPool::set_next(uint32_t next) { next_ = InRange(next) ? next : first(); }

absl::StatusOr<uint32_t> AddressPool::Allocate(const std::string& owner) {
  uint64_t in_range = 0;
  for (const auto& [address, holder] : leases_) in_range += InRange(address) ? 1 : 0;
  if (in_range >= capacity()) {
    return absl::ResourceExhaustedError(
        absl::StrCat("no free address in subnet ", subnet_.ToString()));
  }
  // A free address of the range exists, so this loop ends within its size.
  uint32_t candidate = InRange(next_) ? next_ : first();
  while (leases_.count(candidate) != 0 || !InRange(candidate)) {
    candidate = candidate == last() ? first() : candidate + 1;
  }
  leases_[candidate] = owner;
  next_ = candidate == last() ? first() : candidate + 1;
  return candidate;
}

absl::Status AddressPool::Reserve(uint32_t address, const std::string& owner) {
  if (!Allocatable(address)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "address ", FormatIpv4(address), " is not a host address of subnet ", subnet_.ToString()));
  }
  auto it = leases_.find(address);
  if (it != leases_.end() && it->second != owner) {
    return absl::AlreadyExistsError(
        absl::StrCat("address ", FormatIpv4(address), " is leased to '", it->second, "'"));
  }
  leases_[address] = owner;
  return absl::OkStatus();
}

bool AddressPool::Release(uint32_t address) { return leases_.erase(address) > 0; }

}  // namespace berth::netd::ipam
