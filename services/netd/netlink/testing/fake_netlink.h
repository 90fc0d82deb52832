#pragma once

#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/netd/netlink/netlink.h"

namespace berth::netd::netlink::testing {

// In-memory namespaces of links, addresses and default routes. Every call is
// recorded as "<netns> <Op> <args>" ("host" for the host namespace), and any
// op can be scripted to fail once with FailNext.
class FakeKernel {
 public:
  struct Link {
    LinkInfo info;
    std::string mac;
    std::vector<Ipv4Prefix> addresses;
    std::string peer_ns, peer_name;  // veth only
    int mtu = 1500;
  };
  struct Namespace {
    std::map<std::string, Link> links;
    std::string default_route;  // "via <gw> dev <dev>"
  };

  // Host routes ListRoutes reports besides the connected subnets of the
  // addresses (scripted by tests, e.g. docker0's 172.17.0.0/16).
  std::vector<Ipv4Prefix> extra_routes;

  std::map<std::string, Namespace> namespaces;
  std::vector<std::string> calls;
  std::map<std::string, absl::Status> fail_next;
  int next_index = 100;

  FakeKernel() { namespaces["host"].links["lo"] = Link{{"lo", 1, "", 0, true}, "", {}, "", ""}; }

  void FailNext(const std::string& op, absl::Status status) { fail_next[op] = std::move(status); }

  // Consumes a scripted failure for `op`, if any.
  absl::Status Record(const std::string& ns, const std::string& op, const std::string& args) {
    calls.push_back(absl::StrCat(ns, " ", op, args.empty() ? "" : " ", args));
    auto it = fail_next.find(op);
    if (it == fail_next.end()) return absl::OkStatus();
    absl::Status status = it->second;
    fail_next.erase(it);
    return status;
  }

  // Calls whose text starts with `prefix`.
  std::vector<std::string> CallsStartingWith(const std::string& prefix) const {
    std::vector<std::string> out;
    for (const auto& call : calls) {
      if (call.rfind(prefix, 0) == 0) out.push_back(call);
    }
    return out;
  }
};

class FakeNetlink : public Netlink {
 public:
  FakeNetlink(FakeKernel& kernel, std::string ns = "host") : kernel_(kernel), ns_(std::move(ns)) {
    kernel_.namespaces[ns_];
  }

  absl::StatusOr<LinkInfo> GetLink(const std::string& name) override {
    auto* link = Find(name);
    if (link == nullptr) return absl::NotFoundError(absl::StrCat("get link '", name, "'"));
    return link->info;
  }
  absl::StatusOr<std::vector<LinkInfo>> ListLinks() override {
    std::vector<LinkInfo> out;
    for (const auto& [name, link] : Ns().links) out.push_back(link.info);
    return out;
  }
  absl::Status AddBridge(const std::string& name) override {
    if (auto s = kernel_.Record(ns_, "AddBridge", name); !s.ok()) return s;
    if (Find(name) != nullptr) return absl::AlreadyExistsError(name);
    Ns().links[name] = {{name, kernel_.next_index++, "bridge", 0, false}, "", {}, "", ""};
    return absl::OkStatus();
  }
  absl::Status AddVethPair(const std::string& name, const std::string& peer_name,
                           const std::string& peer_mac,
                           const std::string& peer_netns_path) override {
    if (auto s = kernel_.Record(ns_, "AddVethPair",
                                absl::StrJoin({name, peer_name, peer_mac, peer_netns_path}, " "));
        !s.ok()) {
      return s;
    }
    if (Find(name) != nullptr) return absl::AlreadyExistsError(name);
    if (kernel_.namespaces.count(peer_netns_path) == 0) {
      return absl::NotFoundError(absl::StrCat("open '", peer_netns_path, "'"));
    }
    Ns().links[name] = {
        {name, kernel_.next_index++, "veth", 0, false}, "", {}, peer_netns_path, peer_name};
    kernel_.namespaces[peer_netns_path].links[peer_name] = {
        {peer_name, kernel_.next_index++, "veth", 0, false}, peer_mac, {}, ns_, name};
    return absl::OkStatus();
  }
  absl::Status DeleteLink(const std::string& name) override {
    if (auto s = kernel_.Record(ns_, "DeleteLink", name); !s.ok()) return s;
    auto* link = Find(name);
    if (link == nullptr) return absl::NotFoundError(absl::StrCat("delete link '", name, "'"));
    if (!link->peer_ns.empty() && kernel_.namespaces.count(link->peer_ns) != 0) {
      kernel_.namespaces[link->peer_ns].links.erase(link->peer_name);
    }
    Ns().links.erase(name);
    return absl::OkStatus();
  }
  absl::Status SetUp(const std::string& name) override {
    if (auto s = kernel_.Record(ns_, "SetUp", name); !s.ok()) return s;
    auto* link = Find(name);
    if (link == nullptr) return absl::NotFoundError(name);
    link->info.up = true;
    return absl::OkStatus();
  }
  absl::Status SetMaster(const std::string& name, const std::string& master) override {
    if (auto s = kernel_.Record(ns_, "SetMaster", name + " " + master); !s.ok()) return s;
    auto* link = Find(name);
    auto* bridge = Find(master);
    if (link == nullptr || bridge == nullptr) return absl::NotFoundError(name);
    link->info.master_index = bridge->info.index;
    return absl::OkStatus();
  }
  absl::Status AddAddress(const std::string& name, const Ipv4Prefix& address) override {
    if (auto s = kernel_.Record(ns_, "AddAddress",
                                absl::StrCat(name, " ", address.address, "/", address.prefix_len));
        !s.ok()) {
      return s;
    }
    auto* link = Find(name);
    if (link == nullptr) return absl::NotFoundError(name);
    for (const auto& existing : link->addresses) {
      if (existing == address) return absl::AlreadyExistsError(address.address);
    }
    link->addresses.push_back(address);
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<Ipv4Prefix>> ListAddresses(const std::string& name) override {
    auto* link = Find(name);
    if (link == nullptr) return absl::NotFoundError(name);
    return link->addresses;
  }
  absl::Status SetMtu(const std::string& name, int mtu) override {
    if (auto s = kernel_.Record(ns_, "SetMtu", absl::StrCat(name, " ", mtu)); !s.ok()) return s;
    auto* link = Find(name);
    if (link == nullptr) return absl::NotFoundError(name);
    link->mtu = mtu;
    return absl::OkStatus();
  }
  // The connected route of every address (host bits cleared), plus the
  // scripted extra routes.
  absl::StatusOr<std::vector<Ipv4Prefix>> ListRoutes() override {
    std::vector<Ipv4Prefix> out = kernel_.extra_routes;
    for (const auto& [name, link] : Ns().links) {
      for (const Ipv4Prefix& address : link.addresses) {
        unsigned a, b, c, d;
        if (std::sscanf(address.address.c_str(), "%u.%u.%u.%u", &a, &b, &c, &d) != 4) continue;
        uint32_t ip = (a << 24) | (b << 16) | (c << 8) | d;
        uint32_t mask = address.prefix_len == 0 ? 0 : ~uint32_t{0} << (32 - address.prefix_len);
        ip &= mask;
        out.push_back({absl::StrCat(ip >> 24, ".", (ip >> 16) & 255, ".", (ip >> 8) & 255, ".",
                                    ip & 255),
                       address.prefix_len});
      }
    }
    return out;
  }
  absl::Status AddDefaultRoute(const std::string& gateway, const std::string& device) override {
    if (auto s = kernel_.Record(ns_, "AddDefaultRoute", gateway + " " + device); !s.ok()) return s;
    if (!Ns().default_route.empty()) return absl::AlreadyExistsError("default route");
    Ns().default_route = absl::StrCat("via ", gateway, " dev ", device);
    return absl::OkStatus();
  }
  absl::StatusOr<std::unique_ptr<Netlink>> OpenInNetns(const std::string& netns_path) override {
    if (auto s = kernel_.Record(ns_, "OpenInNetns", netns_path); !s.ok()) return s;
    if (kernel_.namespaces.count(netns_path) == 0) {
      return absl::NotFoundError(absl::StrCat("open netns '", netns_path, "'"));
    }
    return std::unique_ptr<Netlink>(new FakeNetlink(kernel_, netns_path));
  }

 private:
  FakeKernel::Namespace& Ns() { return kernel_.namespaces[ns_]; }
  FakeKernel::Link* Find(const std::string& name) {
    auto& links = Ns().links;
    auto it = links.find(name);
    return it == links.end() ? nullptr : &it->second;
  }

  FakeKernel& kernel_;
  std::string ns_;
};

}  // namespace berth::netd::netlink::testing
