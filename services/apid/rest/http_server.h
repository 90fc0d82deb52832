#pragma once

// The Docker REST facade's HTTP/1.1 server on a unix socket (Boost.Beast +
// Asio C++20 coroutines). One coroutine per connection reads request headers
// (keep-alive, so idle connections cost no thread); each request then runs on
// its own thread because the handlers make blocking gRPC calls and some last
// as long as a container (wait, logs -f, attach). All Beast/Asio code of apid
// is in http_server.cc.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "services/apid/rest/router.h"

namespace berth::apid {
class ApidMetrics;
}

namespace berth::apid::rest {

class HttpServer {
 public:
  // Listens on `address` ("unix:///run/berth/docker.sock"; a stale socket file
  // is replaced; mode 0660, group "berth" when it exists). TCP is refused:
  // design.md allows it only with TLS, which is not built yet. `router` and
  // `metrics` (may be null) must outlive the server.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(const std::string& address,
                                                           const Router& router,
                                                           ApidMetrics* metrics);

  // Stops accepting, shuts down the connections with a request in progress
  // (which ends it: its socket I/O fails and disconnect watches cancel the
  // backend streams), waits up to 3 s for them and removes the socket file.
  ~HttpServer();

  class Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace berth::apid::rest
