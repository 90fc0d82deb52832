#include "services/netd/netlink/linux_netlink.h"

#include <fcntl.h>
#include <net/if.h>
#include <netlink/addr.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>
#include <netlink/socket.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/fs/fs.h"
#include "common/status/status.h"

namespace berth::netd::netlink {
namespace {

// libnl returns negative NLE_* codes, not errno.
absl::Status NlToStatus(int err, const std::string& context) {
  std::string message = absl::StrCat(context, ": ", nl_geterror(err));
  switch (-err) {
    case NLE_EXIST:
      return absl::AlreadyExistsError(message);
    case NLE_OBJ_NOTFOUND:
    case NLE_NODEV:
      return absl::NotFoundError(message);
    case NLE_PERM:
      return absl::PermissionDeniedError(message);
    case NLE_BUSY:
      return absl::FailedPreconditionError(message);
    case NLE_INVAL:
      return absl::InvalidArgumentError(message);
    default:
      return absl::InternalError(message);
  }
}

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const {
    if (p != nullptr) Free(p);
  }
};
using LinkPtr = std::unique_ptr<rtnl_link, Deleter<rtnl_link, rtnl_link_put>>;
using AddrPtr = std::unique_ptr<rtnl_addr, Deleter<rtnl_addr, rtnl_addr_put>>;
using NlAddrPtr = std::unique_ptr<nl_addr, Deleter<nl_addr, nl_addr_put>>;
using CachePtr = std::unique_ptr<nl_cache, Deleter<nl_cache, nl_cache_free>>;
using RoutePtr = std::unique_ptr<rtnl_route, Deleter<rtnl_route, rtnl_route_put>>;

absl::StatusOr<LinkPtr> GetKernelLink(nl_sock* sock, const std::string& name) {
  rtnl_link* link = nullptr;
  int err = rtnl_link_get_kernel(sock, 0, name.c_str(), &link);
  if (err < 0) return NlToStatus(err, absl::StrCat("get link '", name, "'"));
  return LinkPtr(link);
}

LinkInfo ToInfo(rtnl_link* link) {
  LinkInfo info;
  info.name = rtnl_link_get_name(link) ? rtnl_link_get_name(link) : "";
  info.index = rtnl_link_get_ifindex(link);
  const char* kind = rtnl_link_get_type(link);
  info.kind = kind ? kind : "";
  info.master_index = rtnl_link_get_master(link);
  info.up = (rtnl_link_get_flags(link) & IFF_UP) != 0;
  return info;
}

absl::StatusOr<NlAddrPtr> ParseAddr(const std::string& text) {
  nl_addr* addr = nullptr;
  int err = nl_addr_parse(text.c_str(), AF_INET, &addr);
  if (err < 0) return NlToStatus(err, absl::StrCat("parse address '", text, "'"));
  return NlAddrPtr(addr);
}

absl::StatusOr<nl_sock*> Connect() {
  nl_sock* sock = nl_socket_alloc();
  if (sock == nullptr) return absl::ResourceExhaustedError("nl_socket_alloc failed");
  int err = nl_connect(sock, NETLINK_ROUTE);
  if (err < 0) {
    nl_socket_free(sock);
    return NlToStatus(err, "connect rtnetlink socket");
  }
  return sock;
}

}  // namespace

absl::StatusOr<std::unique_ptr<LinuxNetlink>> LinuxNetlink::Create() {
  BERTH_ASSIGN_OR_RETURN(nl_sock * sock, Connect());
  return std::unique_ptr<LinuxNetlink>(new LinuxNetlink(sock));
}

LinuxNetlink::~LinuxNetlink() { nl_socket_free(sock_); }

absl::StatusOr<LinkInfo> LinuxNetlink::GetLink(const std::string& name) {
  BERTH_ASSIGN_OR_RETURN(LinkPtr link, GetKernelLink(sock_, name));
  return ToInfo(link.get());
}

absl::StatusOr<std::vector<LinkInfo>> LinuxNetlink::ListLinks() {
  nl_cache* raw = nullptr;
  int err = rtnl_link_alloc_cache(sock_, AF_UNSPEC, &raw);
  if (err < 0) return NlToStatus(err, "list links");
  CachePtr cache(raw);
  std::vector<LinkInfo> links;
  for (nl_object* obj = nl_cache_get_first(cache.get()); obj != nullptr;
       obj = nl_cache_get_next(obj)) {
    links.push_back(ToInfo(reinterpret_cast<rtnl_link*>(obj)));
  }
  return links;
}

absl::Status LinuxNetlink::AddBridge(const std::string& name) {
  int err = rtnl_link_bridge_add(sock_, name.c_str());
  if (err < 0) return NlToStatus(err, absl::StrCat("add bridge '", name, "'"));
  return absl::OkStatus();
}

absl::Status LinuxNetlink::AddVethPair(const std::string& name, const std::string& peer_name,
                                       const std::string& peer_mac,
                                       const std::string& peer_netns_path) {
  const std::string context = absl::StrCat("add veth '", name, "'");
  fs::ScopedFd netns(::open(peer_netns_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!netns.valid()) {
    return ErrnoToStatus(errno, absl::StrCat(context, ": open '", peer_netns_path, "'"));
  }
  BERTH_ASSIGN_OR_RETURN(NlAddrPtr mac, [&]() -> absl::StatusOr<NlAddrPtr> {
    nl_addr* addr = nullptr;
    int err = nl_addr_parse(peer_mac.c_str(), AF_LLC, &addr);
    if (err < 0) return NlToStatus(err, absl::StrCat("parse MAC '", peer_mac, "'"));
    return NlAddrPtr(addr);
  }());
  LinkPtr link(rtnl_link_veth_alloc());
  if (link == nullptr) return absl::ResourceExhaustedError(context + ": out of memory");
  rtnl_link_set_name(link.get(), name.c_str());
  // The peer is created directly in the container's namespace (IFLA_NET_NS_FD
  // inside VETH_INFO_PEER), so there is no window in which it sits on the host
  // under a temporary name, and no rename is needed.
  rtnl_link* peer = rtnl_link_veth_get_peer(link.get());
  rtnl_link_set_name(peer, peer_name.c_str());
  rtnl_link_set_addr(peer, mac.get());
  rtnl_link_set_ns_fd(peer, netns.get());
  rtnl_link_put(peer);  // rtnl_link_veth_get_peer took a reference.
  int err = rtnl_link_add(sock_, link.get(), NLM_F_CREATE | NLM_F_EXCL);
  if (err < 0) return NlToStatus(err, context);
  return absl::OkStatus();
}

absl::Status LinuxNetlink::DeleteLink(const std::string& name) {
  BERTH_ASSIGN_OR_RETURN(LinkPtr link, GetKernelLink(sock_, name));
  int err = rtnl_link_delete(sock_, link.get());
  if (err < 0) return NlToStatus(err, absl::StrCat("delete link '", name, "'"));
  return absl::OkStatus();
}

absl::Status LinuxNetlink::SetUp(const std::string& name) {
  BERTH_ASSIGN_OR_RETURN(LinkPtr link, GetKernelLink(sock_, name));
  LinkPtr change(rtnl_link_alloc());
  rtnl_link_set_flags(change.get(), IFF_UP);
  int err = rtnl_link_change(sock_, link.get(), change.get(), 0);
  if (err < 0) return NlToStatus(err, absl::StrCat("set link '", name, "' up"));
  return absl::OkStatus();
}

absl::Status LinuxNetlink::SetMaster(const std::string& name, const std::string& master) {
  BERTH_ASSIGN_OR_RETURN(LinkPtr link, GetKernelLink(sock_, name));
  BERTH_ASSIGN_OR_RETURN(LinkPtr bridge, GetKernelLink(sock_, master));
  LinkPtr change(rtnl_link_alloc());
  rtnl_link_set_master(change.get(), rtnl_link_get_ifindex(bridge.get()));
  int err = rtnl_link_change(sock_, link.get(), change.get(), 0);
  if (err < 0) {
    return NlToStatus(err, absl::StrCat("attach link '", name, "' to '", master, "'"));
  }
  return absl::OkStatus();
}

absl::Status LinuxNetlink::AddAddress(const std::string& name, const Ipv4Prefix& address) {
  const std::string cidr = absl::StrCat(address.address, "/", address.prefix_len);
  const std::string context = absl::StrCat("add address ", cidr, " to '", name, "'");
  BERTH_ASSIGN_OR_RETURN(LinkPtr link, GetKernelLink(sock_, name));
  BERTH_ASSIGN_OR_RETURN(NlAddrPtr local, ParseAddr(cidr));
  // Broadcast = the address with all host bits set, as `ip addr add ... brd +`.
  BERTH_ASSIGN_OR_RETURN(NlAddrPtr broadcast, ParseAddr(address.address));
  uint32_t* bytes = static_cast<uint32_t*>(nl_addr_get_binary_addr(broadcast.get()));
  uint32_t host_mask = address.prefix_len >= 32 ? 0 : (~uint32_t{0} >> address.prefix_len);
  *bytes |= htonl(host_mask);

  AddrPtr addr(rtnl_addr_alloc());
  rtnl_addr_set_ifindex(addr.get(), rtnl_link_get_ifindex(link.get()));
  rtnl_addr_set_family(addr.get(), AF_INET);
  int err = rtnl_addr_set_local(addr.get(), local.get());
  if (err >= 0) err = rtnl_addr_set_broadcast(addr.get(), broadcast.get());
  if (err >= 0) err = rtnl_addr_add(sock_, addr.get(), NLM_F_EXCL);
  if (err < 0) return NlToStatus(err, context);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Ipv4Prefix>> LinuxNetlink::ListAddresses(const std::string& name) {
  BERTH_ASSIGN_OR_RETURN(LinkPtr link, GetKernelLink(sock_, name));
  int ifindex = rtnl_link_get_ifindex(link.get());
  nl_cache* raw = nullptr;
  int err = rtnl_addr_alloc_cache(sock_, &raw);
  if (err < 0) return NlToStatus(err, "list addresses");
  CachePtr cache(raw);
  std::vector<Ipv4Prefix> result;
  for (nl_object* obj = nl_cache_get_first(cache.get()); obj != nullptr;
       obj = nl_cache_get_next(obj)) {
    auto* addr = reinterpret_cast<rtnl_addr*>(obj);
    if (rtnl_addr_get_ifindex(addr) != ifindex || rtnl_addr_get_family(addr) != AF_INET) {
      continue;
    }
    char buf[64];
    nl_addr* local = rtnl_addr_get_local(addr);
    // nl_addr2str prints "a.b.c.d/n"; print the bare address and prefix apart.
    nl_addr* bare = nl_addr_clone(local);
    nl_addr_set_prefixlen(bare, 32);
    result.push_back({nl_addr2str(bare, buf, sizeof(buf)), rtnl_addr_get_prefixlen(addr)});
    nl_addr_put(bare);
  }
  return result;
}

absl::Status LinuxNetlink::SetMtu(const std::string& name, int mtu) {
  BERTH_ASSIGN_OR_RETURN(LinkPtr link, GetKernelLink(sock_, name));
  LinkPtr change(rtnl_link_alloc());
  rtnl_link_set_mtu(change.get(), static_cast<unsigned int>(mtu));
  int err = rtnl_link_change(sock_, link.get(), change.get(), 0);
  if (err < 0) return NlToStatus(err, absl::StrCat("set mtu ", mtu, " on '", name, "'"));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Ipv4Prefix>> LinuxNetlink::ListRoutes() {
  nl_cache* raw = nullptr;
  int err = rtnl_route_alloc_cache(sock_, AF_INET, 0, &raw);
  if (err < 0) return NlToStatus(err, "list routes");
  CachePtr cache(raw);
  std::vector<Ipv4Prefix> result;
  for (nl_object* obj = nl_cache_get_first(cache.get()); obj != nullptr;
       obj = nl_cache_get_next(obj)) {
    auto* route = reinterpret_cast<rtnl_route*>(obj);
    if (rtnl_route_get_table(route) != RT_TABLE_MAIN) continue;
    nl_addr* dst = rtnl_route_get_dst(route);
    if (dst == nullptr) continue;
    const int prefix_len = static_cast<int>(nl_addr_get_prefixlen(dst));
    char buf[64];
    if (nl_addr_get_len(dst) == 0) {
      result.push_back({"0.0.0.0", 0});
      continue;
    }
    nl_addr* bare = nl_addr_clone(dst);
    nl_addr_set_prefixlen(bare, 32);
    result.push_back({nl_addr2str(bare, buf, sizeof(buf)), prefix_len});
    nl_addr_put(bare);
  }
  return result;
}

absl::Status LinuxNetlink::AddDefaultRoute(const std::string& gateway, const std::string& device) {
  const std::string context = absl::StrCat("add default route via ", gateway);
  BERTH_ASSIGN_OR_RETURN(LinkPtr link, GetKernelLink(sock_, device));
  BERTH_ASSIGN_OR_RETURN(NlAddrPtr dst, ParseAddr("0.0.0.0/0"));
  BERTH_ASSIGN_OR_RETURN(NlAddrPtr via, ParseAddr(gateway));
  RoutePtr route(rtnl_route_alloc());
  rtnl_route_set_family(route.get(), AF_INET);
  rtnl_route_set_table(route.get(), RT_TABLE_MAIN);
  rtnl_route_set_scope(route.get(), RT_SCOPE_UNIVERSE);
  rtnl_route_set_protocol(route.get(), RTPROT_BOOT);
  rtnl_route_set_type(route.get(), RTN_UNICAST);
  int err = rtnl_route_set_dst(route.get(), dst.get());
  if (err < 0) return NlToStatus(err, context);
  rtnl_nexthop* nh = rtnl_route_nh_alloc();  // owned by the route once added
  rtnl_route_nh_set_ifindex(nh, rtnl_link_get_ifindex(link.get()));
  rtnl_route_nh_set_gateway(nh, via.get());
  rtnl_route_add_nexthop(route.get(), nh);
  err = rtnl_route_add(sock_, route.get(), NLM_F_EXCL);
  if (err < 0) return NlToStatus(err, context);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Netlink>> LinuxNetlink::OpenInNetns(const std::string& netns_path) {
  fs::ScopedFd netns(::open(netns_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!netns.valid()) {
    return ErrnoToStatus(errno, absl::StrCat("open netns '", netns_path, "'"));
  }
  // A netlink socket stays in the namespace it was created in. Create it on
  // a throwaway thread that joins the namespace and then exits, so no daemon
  // thread ever changes namespace.
  absl::StatusOr<nl_sock*> sock = absl::InternalError("netns thread did not run");
  std::thread worker([&]() {
    if (::setns(netns.get(), CLONE_NEWNET) != 0) {
      // EINVAL (→ InvalidArgument) means the file is not a network namespace.
      sock = ErrnoToStatus(errno, absl::StrCat("setns '", netns_path, "'"));
      return;
    }
    sock = Connect();
  });
  worker.join();
  if (!sock.ok()) return sock.status();
  return std::unique_ptr<Netlink>(new LinuxNetlink(*sock));
}

}  // namespace berth::netd::netlink
