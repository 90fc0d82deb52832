#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "services/netd/netlink/netlink.h"

struct nl_sock;

namespace berth::netd::netlink {

// Netlink on libnl-route-3. One instance owns one NETLINK_ROUTE socket; the
// socket's network namespace is fixed when it is created, which is how
// OpenInNetns reaches a container's namespace without moving any long-lived
// thread. Not thread-safe: callers serialize (netd holds one manager mutex).
class LinuxNetlink : public Netlink {
 public:
  // A socket in the calling thread's network namespace.
  static absl::StatusOr<std::unique_ptr<LinuxNetlink>> Create();
  ~LinuxNetlink() override;

  absl::StatusOr<LinkInfo> GetLink(const std::string& name) override;
  absl::StatusOr<std::vector<LinkInfo>> ListLinks() override;
  absl::Status AddBridge(const std::string& name) override;
  absl::Status AddVethPair(const std::string& name, const std::string& peer_name,
                           const std::string& peer_mac,
                           const std::string& peer_netns_path) override;
  absl::Status DeleteLink(const std::string& name) override;
  absl::Status SetUp(const std::string& name) override;
  absl::Status SetMaster(const std::string& name, const std::string& master) override;
  absl::Status AddAddress(const std::string& name, const Ipv4Prefix& address) override;
  absl::StatusOr<std::vector<Ipv4Prefix>> ListAddresses(const std::string& name) override;
  absl::Status SetMtu(const std::string& name, int mtu) override;
  absl::StatusOr<std::vector<Ipv4Prefix>> ListRoutes() override;
  absl::Status AddDefaultRoute(const std::string& gateway, const std::string& device) override;
  absl::StatusOr<std::unique_ptr<Netlink>> OpenInNetns(const std::string& netns_path) override;

 private:
  explicit LinuxNetlink(nl_sock* sock) : sock_(sock) {}
  nl_sock* sock_;
};

}  // namespace berth::netd::netlink
