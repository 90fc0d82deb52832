#include "services/netd/ports/port_reserver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "common/fs/fs.h"
#include "common/status/status.h"

namespace berth::netd::ports {
namespace {

class SocketReservation : public PortReservation {
 public:
  SocketReservation(fs::ScopedFd fd, uint16_t port) : fd_(std::move(fd)), port_(port) {}
  uint16_t port() const override { return port_; }

 private:
  fs::ScopedFd fd_;
  uint16_t port_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<PortReservation>> SocketPortReserver::Reserve(const PortSpec& spec) {
  const std::string where = absl::StrCat(DisplayHostIp(spec), ":", spec.host_port);
  int type = spec.protocol == "udp" ? SOCK_DGRAM : SOCK_STREAM;
  fs::ScopedFd fd(::socket(AF_INET, type | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return ErrnoToStatus(errno, absl::StrCat("socket for ", where));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(spec.host_port);
  if (::inet_pton(AF_INET, DisplayHostIp(spec).c_str(), &addr.sin_addr) != 1) {
    return absl::InvalidArgumentError(absl::StrCat("invalid host IP '", spec.host_ip, "'"));
  }
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    int err = errno;
    if (err == EADDRINUSE) return PortAlreadyAllocated(spec);
    if (err == EADDRNOTAVAIL) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot publish on ", where, ": not an address of this host"));
    }
    return ErrnoToStatus(err, absl::StrCat("bind ", spec.protocol, " ", where));
  }
  socklen_t len = sizeof(addr);
  if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return ErrnoToStatus(errno, absl::StrCat("getsockname for ", where));
  }
  return std::make_unique<SocketReservation>(std::move(fd), ntohs(addr.sin_port));
}

}  // namespace berth::netd::ports
