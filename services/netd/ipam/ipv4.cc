#include "services/netd/ipam/ipv4.h"

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace berth::netd::ipam {

absl::StatusOr<uint32_t> ParseIpv4(const std::string& text) {
  std::vector<std::string> parts = absl::StrSplit(text, '.');
  if (parts.size() != 4) {
    return absl::InvalidArgumentError(absl::StrCat("invalid IPv4 address '", text, "'"));
  }
  uint32_t value = 0;
  for (const std::string& part : parts) {
    uint32_t octet = 0;
    // SimpleAtoi accepts a leading '+' and spaces; an address must be digits only.
    bool digits_only = !part.empty() && part.size() <= 3 &&
                       part.find_first_not_of("0123456789") == std::string::npos;
    if (!digits_only || !absl::SimpleAtoi(part, &octet) || octet > 255) {
      return absl::InvalidArgumentError(absl::StrCat("invalid IPv4 address '", text, "'"));
    }
    value = (value << 8) | octet;
  }
  return value;
}

std::string FormatIpv4(uint32_t address) {
  return absl::StrFormat("%u.%u.%u.%u", address >> 24, (address >> 16) & 0xff,
                         (address >> 8) & 0xff, address & 0xff);
}

std::string Ipv4Subnet::ToString() const {
  return absl::StrCat(FormatIpv4(network), "/", prefix_len);
}

absl::StatusOr<Ipv4Subnet> ParseSubnet(const std::string& cidr) {
  std::vector<std::string> parts = absl::StrSplit(cidr, absl::MaxSplits('/', 1));
  if (parts.size() != 2) {
    return absl::InvalidArgumentError(absl::StrCat("invalid subnet '", cidr, "': want a.b.c.d/n"));
  }
  auto network = ParseIpv4(parts[0]);
  if (!network.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("invalid subnet '", cidr, "'"));
  }
  int prefix = 0;
  if (parts[1].empty() || parts[1].find_first_not_of("0123456789") != std::string::npos ||
      !absl::SimpleAtoi(parts[1], &prefix) || prefix < 8 || prefix > 30) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid subnet '", cidr, "': prefix length must be 8..30"));
  }
  Ipv4Subnet subnet{*network, prefix};
  if ((subnet.network & ~subnet.mask()) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid subnet '", cidr, "': host bits are set (did you mean '",
                     FormatIpv4(subnet.network & subnet.mask()), "/", prefix, "'?)"));
  }
  return subnet;
}

std::string MacForIpv4(uint32_t address) {
  return absl::StrFormat("02:42:%02x:%02x:%02x:%02x", address >> 24, (address >> 16) & 0xff,
                         (address >> 8) & 0xff, address & 0xff);
}

}  // namespace berth::netd::ipam
