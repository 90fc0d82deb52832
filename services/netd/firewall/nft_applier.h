#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace berth::netd::firewall {

// Loads nftables scripts (the output of RenderRuleset / RenderDeleteTable).
// The real implementation is LibnftablesApplier; tests use a recording fake.
class NftApplier {
 public:
  virtual ~NftApplier() = default;

  // Runs `script` as one nftables transaction: either every command applies
  // or none does. Internal with nft's error text when the kernel or the parser
  // rejects it.
  virtual absl::Status Apply(const std::string& script) = 0;

  // Returns `nft list table ip <table>` output. NotFound if the table does not
  // exist.
  virtual absl::StatusOr<std::string> ListTable(const std::string& table) = 0;

  // Returns `nft -a list chain ip <table> <chain>` output (rules with their
  // handles). NotFound if the table or chain does not exist.
  virtual absl::StatusOr<std::string> ListChainWithHandles(const std::string& table,
                                                           const std::string& chain) = 0;
};

}  // namespace berth::netd::firewall
