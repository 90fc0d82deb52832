#pragma once

#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/netd/netlink/testing/fake_netlink.h"
#include "services/netd/netns/netns_ops.h"

namespace berth::netd::netns::testing {

// NetnsOps over a FakeKernel: Create adds an (empty, lo-only) namespace keyed
// by its path, Remove drops it. Calls are recorded in the kernel's call list
// as "netns <Op> <path>".
class FakeNetnsOps : public NetnsOps {
 public:
  explicit FakeNetnsOps(netlink::testing::FakeKernel& kernel) : kernel_(kernel) {}

  absl::Status PrepareDir(const std::string& dir) override {
    if (auto s = kernel_.Record("netns", "PrepareDir", dir); !s.ok()) return s;
    prepared_dirs.insert(dir);
    return absl::OkStatus();
  }
  absl::Status ReleaseDir(const std::string& dir) override {
    if (auto s = kernel_.Record("netns", "ReleaseDir", dir); !s.ok()) return s;
    prepared_dirs.erase(dir);
    return absl::OkStatus();
  }
  absl::Status Create(const std::string& path) override {
    if (auto s = kernel_.Record("netns", "Create", path); !s.ok()) return s;
    if (kernel_.namespaces.count(path) != 0) return absl::AlreadyExistsError(path);
    kernel_.namespaces[path].links["lo"] = {{"lo", 1, "", 0, false}, "", {}, "", ""};
    return absl::OkStatus();
  }
  absl::Status Remove(const std::string& path) override {
    if (auto s = kernel_.Record("netns", "Remove", path); !s.ok()) return s;
    kernel_.namespaces.erase(path);
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<std::string>> List(const std::string& dir) override {
    std::vector<std::string> names;
    for (const auto& [path, ns] : kernel_.namespaces) {
      if (absl::StartsWith(path, dir + "/")) names.push_back(path.substr(dir.size() + 1));
    }
    return names;
  }

  std::set<std::string> prepared_dirs;

 private:
  netlink::testing::FakeKernel& kernel_;
};

}  // namespace berth::netd::netns::testing
