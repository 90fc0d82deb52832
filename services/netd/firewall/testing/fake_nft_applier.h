#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/netd/firewall/nft_applier.h"

namespace berth::netd::firewall::testing {

// Records every script; `tables` keeps the last full script applied per table
// (a RenderDeleteTable script removes the entry). FailNext makes the next
// Apply fail, leaving `tables` untouched, as nft's transactions do.
class FakeNftApplier : public NftApplier {
 public:
  absl::Status Apply(const std::string& script) override {
    scripts.push_back(script);
    if (!fail_next.ok()) {
      absl::Status status = fail_next;
      fail_next = absl::OkStatus();
      return status;
    }
    // Scripts start with "add table ip NAME\ndelete table ip NAME\n".
    std::string first_line = script.substr(0, script.find('\n'));
    std::string table = first_line.substr(first_line.rfind(' ') + 1);
    if (absl::StrContains(script, absl::StrCat("table ip ", table, " {"))) {
      tables[table] = script;
    } else {
      tables.erase(table);
    }
    return absl::OkStatus();
  }
  absl::StatusOr<std::string> ListTable(const std::string& table) override {
    auto it = tables.find(table);
    if (it == tables.end()) return absl::NotFoundError(table);
    return it->second;
  }

  // `nft -a list chain` output by "table chain"; NotFound when absent.
  absl::StatusOr<std::string> ListChainWithHandles(const std::string& table,
                                                   const std::string& chain) override {
    auto it = chains.find(table + " " + chain);
    if (it == chains.end()) return absl::NotFoundError(table + " " + chain);
    return it->second;
  }

  std::map<std::string, std::string> chains;
  std::vector<std::string> scripts;
  std::map<std::string, std::string> tables;
  absl::Status fail_next;
};

}  // namespace berth::netd::firewall::testing
