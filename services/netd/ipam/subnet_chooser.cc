#include "services/netd/ipam/subnet_chooser.h"

#include <algorithm>

#include "absl/status/status.h"

namespace berth::netd::ipam {

bool Overlaps(const Ipv4Subnet& a, const Ipv4Subnet& b) {
  // Two prefixes overlap exactly when the shorter one contains the other's
  // network address.
  const Ipv4Subnet& wider = a.prefix_len <= b.prefix_len ? a : b;
  const Ipv4Subnet& narrower = a.prefix_len <= b.prefix_len ? b : a;
  return wider.Contains(narrower.network);
}

std::vector<Ipv4Subnet> DefaultCandidates() {
  std::vector<Ipv4Subnet> out;
  for (uint32_t second = 17; second <= 31; ++second) {
    out.push_back({(172u << 24) | (second << 16), 16});
  }
  for (uint32_t third = 0; third < 256; third += 16) {
    out.push_back({(192u << 24) | (168u << 16) | (third << 8), 20});
  }
  return out;
}

absl::StatusOr<Ipv4Subnet> ChooseSubnet(const std::vector<Ipv4Subnet>& candidates,
                                        const std::vector<Ipv4Subnet>& taken) {
  for (const Ipv4Subnet& candidate : candidates) {
    bool free = std::none_of(taken.begin(), taken.end(), [&](const Ipv4Subnet& used) {
      return used.prefix_len > 0 && Overlaps(candidate, used);
    });
    if (free) return candidate;
  }
  return absl::ResourceExhaustedError(
      "could not find an available, non-overlapping IPv4 address pool among the defaults to "
      "assign to the network");
}

}  // namespace berth::netd::ipam
