#pragma once

#include <memory>
#include <string>
#include <vector>

#include <grpcpp/server.h>
#include <grpcpp/impl/codegen/service_type.h>

#include "absl/status/statusor.h"

namespace prometheus {
class Registry;
}

namespace berth {

// Who may connect to a daemon's unix socket. The daemons run as root, so the
// socket's owner is root; each daemon's main() chooses one explicitly.
enum class SocketAccess {
  // Mode 0600: root only. For the internal services (imaged, netd, runtimed):
  // their callers are trusted with host-level operations (mounts, netlink,
  // processes) and only apid, itself root, calls them.
  kOwnerOnly,
  // Mode 0660, group "berth" when that group exists: apid's public sockets,
  // which members of the group may use, as the "docker" group does for dockerd.
  kGroup,
};

// The mode bits SocketAccess stands for.
unsigned SocketModeFor(SocketAccess access);

// Applies `access` to the socket file at `path` (chmod, and chown to group
// "berth" for kGroup). The chmod failing is an error (the socket would stay as
// the umask left it); the chown failing only logs a warning, as root:root 0660
// is narrower than intended, not wider.
absl::Status RestrictSocket(const std::string& path, SocketAccess access);

// Runs a gRPC server for one daemon: listens on a unix socket (mode from
// SocketAccess) or TCP address, serves grpc.health.v1, and counts every RPC
// (method, code) with a latency histogram through a server interceptor, so no
// handler has to record metrics by hand.
class ServerRunner {
 public:
  // Starts serving `services` on `listen` ("unix:///run/berth/x.sock"), whose
  // socket file gets `access`. `registry` receives the per-RPC metrics
  // families, labelled service=`name`. Unavailable when the address cannot be
  // bound or the socket's mode cannot be set.
  static absl::StatusOr<std::unique_ptr<ServerRunner>> Start(
      const std::string& name, const std::string& listen, std::vector<grpc::Service*> services,
      prometheus::Registry& registry, SocketAccess access);

  ~ServerRunner();

  // Marks the server not serving, then shuts it down, cancelling calls still
  // running after a short grace period (streams such as logs -f never end).
  void Shutdown();

  grpc::Server& server() { return *server_; }

 private:
  ServerRunner() = default;
  std::unique_ptr<grpc::Server> server_;
  std::string socket_path_;
  bool shut_down_ = false;
};

}  // namespace berth
