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

// Runs a gRPC server for one daemon: listens on a unix socket (mode 0660, group
// "berth" when that group exists) or TCP address, serves grpc.health.v1, and
// counts every RPC (method, code) with a latency histogram through a server
// interceptor, so no handler has to record metrics by hand.
class ServerRunner {
 public:
  // Starts serving `services` on `listen` ("unix:///run/berth/x.sock").
  // `registry` receives the per-RPC metrics families, labelled service=`name`.
  static absl::StatusOr<std::unique_ptr<ServerRunner>> Start(
      const std::string& name, const std::string& listen, std::vector<grpc::Service*> services,
      prometheus::Registry& registry);

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
