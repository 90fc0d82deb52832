#pragma once

#include <memory>
#include <string>

#include "services/netd/firewall/nft_applier.h"

namespace berth::netd::firewall {

// NftApplier on libnftables. Each call makes its own nft context, so calls are
// independent and the class holds no state. Needs CAP_NET_ADMIN.
class LibnftablesApplier : public NftApplier {
 public:
  absl::Status Apply(const std::string& script) override;
  absl::StatusOr<std::string> ListTable(const std::string& table) override;
  absl::StatusOr<std::string> ListChainWithHandles(const std::string& table,
                                                   const std::string& chain) override;
};

}  // namespace berth::netd::firewall
