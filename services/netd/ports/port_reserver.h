#pragma once

#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "services/netd/ports/port_spec.h"

namespace berth::netd::ports {

// Holds a host port for as long as it lives (a bound, never-listening socket),
// so no other program (another Berth stack, a host daemon) can bind it while a
// container publishes it. Traffic itself never reaches this socket: nftables
// DNATs it to the container first.
class PortReservation {
 public:
  virtual ~PortReservation() = default;
  // The reserved port (the kernel's choice when 0 was asked).
  virtual uint16_t port() const = 0;
};

class PortReserver {
 public:
  virtual ~PortReserver() = default;

  // Reserves spec.protocol on spec.host_ip:spec.host_port; host_port 0 asks
  // the kernel for a free port of its ephemeral range. AlreadyExists with
  // Docker's "port is already allocated" text when the port is in use;
  // InvalidArgument when host_ip is not an address of this host.
  virtual absl::StatusOr<std::unique_ptr<PortReservation>> Reserve(const PortSpec& spec) = 0;
};

// PortReserver with real sockets (bind(2) without SO_REUSEADDR).
class SocketPortReserver : public PortReserver {
 public:
  absl::StatusOr<std::unique_ptr<PortReservation>> Reserve(const PortSpec& spec) override;
};

}  // namespace berth::netd::ports
