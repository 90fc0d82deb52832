#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <map>
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
  // The "host" namespace is an empty one like Create's, marked in
  // `host_bound`.
  absl::Status BindCurrent(const std::string& path) override {
    if (auto s = kernel_.Record("netns", "BindCurrent", path); !s.ok()) return s;
    if (kernel_.namespaces.count(path) != 0) return absl::AlreadyExistsError(path);
    kernel_.namespaces[path].links["lo"] = {{"lo", 1, "", 0, true}, "", {}, "", ""};
    host_bound.insert(path);
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

  // A real UDP socket on 127.0.0.1 with a kernel-chosen port in the test's
  // own namespace, so a unit test can send queries to what netd serves;
  // `udp_ports` maps "<netns path>" to that port.
  absl::StatusOr<fs::ScopedFd> OpenUdpSocket(const std::string& netns_path, const std::string& ip,
                                             uint16_t port) override {
    if (auto s = kernel_.Record("netns", "OpenUdpSocket",
                                absl::StrCat(netns_path, " ", ip, ":", port));
        !s.ok()) {
      return s;
    }
    if (kernel_.namespaces.count(netns_path) == 0) return absl::NotFoundError(netns_path);
    fs::ScopedFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (!fd.valid() || ::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
        ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      return absl::InternalError("fake udp socket");
    }
    udp_ports[netns_path] = ntohs(addr.sin_port);
    return fd;
  }

  std::set<std::string> prepared_dirs;
  std::set<std::string> host_bound;
  std::map<std::string, uint16_t> udp_ports;

 private:
  netlink::testing::FakeKernel& kernel_;
};

}  // namespace berth::netd::netns::testing
