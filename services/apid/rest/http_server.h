#pragma once

// The Docker REST facade's HTTP/1.1 server on a unix socket (Boost.Beast +
// Asio C++20 coroutines). One coroutine per connection reads request headers
// (keep-alive, so idle connections cost no thread); each request then runs on
// a thread of a bounded WorkerPool because the handlers make blocking gRPC
// calls and some last as long as a container (wait, logs -f, attach). All
// Beast/Asio code of apid is in http_server.cc.
//
// Limits (HttpServerOptions): only *reading a request* is timed. The header
// must arrive within header_timeout of its first byte (of the accept, for a
// connection's first request), a kept-alive connection may sit idle between
// requests for idle_timeout, and each wait for body bytes is bounded by
// body_read_timeout. Once the handler answers, nothing is timed: a hijacked
// attach or a `logs -f` lasts as long as the container.

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/apid/rest/router.h"

namespace berth::apid {
class ApidMetrics;
}

namespace berth::apid::rest {

struct HttpServerOptions {
  // Open connections; one more is answered 503 {"message": ...} and closed.
  // Each costs a descriptor: keep it well below RLIMIT_NOFILE (often 1024).
  int max_connections = 512;
  // Requests being handled at once, each holding a worker thread (a running
  // `docker attach`, `wait` or `logs -f` holds one). One more is answered 503
  // and its connection closed; requests never queue (see worker_pool.h).
  int max_requests = 256;
  // From the first byte of a request (or the accept) to the end of its header.
  absl::Duration header_timeout = absl::Seconds(30);
  // A kept-alive connection with no request in progress is closed after this.
  absl::Duration idle_timeout = absl::Seconds(120);
  // Longest wait for the next bytes of a request body (not the whole body:
  // an image import may stream for minutes). A stalled body gets 408.
  absl::Duration body_read_timeout = absl::Seconds(60);

  // InvalidArgument naming the field when a limit is below 1 or a timeout is
  // not positive.
  absl::Status Validate() const;
};

class HttpServer {
 public:
  // Listens on `address` ("unix:///run/berth/docker.sock"; a stale socket file
  // is replaced; mode 0660, group "berth" when it exists). TCP is refused:
  // design.md allows it only with TLS, which is not built yet. `router` and
  // `metrics` (may be null) must outlive the server. InvalidArgument for a
  // bad address or options, Unavailable when the socket cannot be bound.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(const std::string& address,
                                                           const Router& router,
                                                           ApidMetrics* metrics,
                                                           const HttpServerOptions& options = {});

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
