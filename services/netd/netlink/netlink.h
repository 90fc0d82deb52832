#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// The netlink seam: links, addresses and routes of ONE network namespace.
// LinuxNetlink (libnl-route) is the only code that talks rtnetlink; the
// recording fake in testing/ lets the manager's plans be unit-tested.
namespace berth::netd::netlink {

struct LinkInfo {
  std::string name;
  int index = 0;
  std::string kind;      // "bridge", "veth", "" for plain devices
  int master_index = 0;  // 0 when not enslaved
  bool up = false;
};

// An IPv4 address with its prefix, e.g. {"172.29.0.1", 16}.
struct Ipv4Prefix {
  std::string address;
  int prefix_len = 0;
  bool operator==(const Ipv4Prefix&) const = default;
};

class Netlink {
 public:
  virtual ~Netlink() = default;

  // Returns the link named `name`. NotFound if there is none.
  virtual absl::StatusOr<LinkInfo> GetLink(const std::string& name) = 0;

  // Every link of the namespace.
  virtual absl::StatusOr<std::vector<LinkInfo>> ListLinks() = 0;

  // Creates a Linux bridge. AlreadyExists if a link with that name exists.
  virtual absl::Status AddBridge(const std::string& name) = 0;

  // Creates a veth pair: `name` in this namespace and `peer_name` with MAC
  // `peer_mac` ("02:42:...") directly inside the namespace bound at
  // `peer_netns_path`, so the container side never appears on the host.
  // AlreadyExists if `name` exists; NotFound if the netns path does not.
  virtual absl::Status AddVethPair(const std::string& name, const std::string& peer_name,
                                   const std::string& peer_mac,
                                   const std::string& peer_netns_path) = 0;

  // Deletes a link (for a veth, its peer goes too). NotFound if absent.
  virtual absl::Status DeleteLink(const std::string& name) = 0;

  // Sets IFF_UP. NotFound if the link does not exist.
  virtual absl::Status SetUp(const std::string& name) = 0;

  // Enslaves `name` to the bridge `master`. NotFound if either is absent.
  virtual absl::Status SetMaster(const std::string& name, const std::string& master) = 0;

  // Adds an IPv4 address (with the subnet's broadcast). AlreadyExists if the
  // link already has it.
  virtual absl::Status AddAddress(const std::string& name, const Ipv4Prefix& address) = 0;

  // The IPv4 addresses of a link. NotFound if the link does not exist.
  virtual absl::StatusOr<std::vector<Ipv4Prefix>> ListAddresses(const std::string& name) = 0;

  // Sets the link's MTU. NotFound if the link does not exist.
  virtual absl::Status SetMtu(const std::string& name, int mtu) = 0;

  // The destinations of the IPv4 routes of the main table (a default route
  // is {"0.0.0.0", 0}). Used to pick subnets no host route covers.
  virtual absl::StatusOr<std::vector<Ipv4Prefix>> ListRoutes() = 0;

  // Adds the IPv4 default route via `gateway` (reached on `device`).
  // AlreadyExists if a default route exists.
  virtual absl::Status AddDefaultRoute(const std::string& gateway, const std::string& device) = 0;

  // Returns a Netlink bound to the network namespace at `netns_path`; the
  // namespace stays reachable through it even if the path is unmounted later.
  // NotFound if the path does not exist, InvalidArgument if it is not a netns.
  virtual absl::StatusOr<std::unique_ptr<Netlink>> OpenInNetns(const std::string& netns_path) = 0;
};

}  // namespace berth::netd::netlink
