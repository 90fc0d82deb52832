#include "services/netd/ipam/address_pool.h"

#include "absl/strings/str_cat.h"

namespace berth::netd::ipam {

AddressPool::AddressPool(Ipv4Subnet subnet) : subnet_(subnet), next_(first()) {}

bool AddressPool::Allocatable(uint32_t address) const {
  return subnet_.Contains(address) && address >= first() && address <= last();
}

uint64_t AddressPool::capacity() const { return uint64_t{last()} - first() + 1; }

void AddressPool::set_next(uint32_t next) { next_ = Allocatable(next) ? next : first(); }

absl::StatusOr<uint32_t> AddressPool::Allocate(const std::string& owner) {
  if (leases_.size() >= capacity()) {
    return absl::ResourceExhaustedError(
        absl::StrCat("no free address in subnet ", subnet_.ToString()));
  }
  // At least one address is free, so this loop ends within capacity() steps.
  uint32_t candidate = next_;
  while (leases_.count(candidate) != 0) {
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
