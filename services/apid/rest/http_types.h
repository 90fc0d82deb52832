#pragma once

// The seam between the Beast server (http_server.cc) and the handlers. The
// handlers see only these interfaces, so they hold no Asio/Beast code and
// compile fast; the server implements them with blocking socket I/O on the
// request's own worker thread.

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/apid/rest/query.h"

namespace berth::apid::rest {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;        // "GET", "POST", ...
  std::string target;        // as received, with the query
  std::string path;          // decoded path without the /vX.Y prefix
  std::string api_version;   // from the prefix, or the server's when absent
  Query query;
  std::map<std::string, std::string> headers;  // lowercase names
  std::map<std::string, std::string> params;   // from the route pattern
};

// The request body, read on demand (uploads are streamed, not buffered).
class BodyReader {
 public:
  virtual ~BodyReader() = default;
  // Reads the whole body; InvalidArgument when it exceeds `limit` bytes.
  virtual absl::StatusOr<std::string> ReadAll(size_t limit) = 0;
  // Reads up to `max` bytes; "" at the end of the body.
  virtual absl::StatusOr<std::string> ReadSome(size_t max) = 0;
};

// A hijacked connection: a plain byte pipe after "101 UPGRADED".
class RawStream {
 public:
  virtual ~RawStream() = default;
  // Blocks for bytes from the client (bytes already buffered by the HTTP
  // parser come first). "" at EOF (half-close or close) or on error.
  virtual std::string Read(size_t max) = 0;
  // False once the client is gone.
  virtual bool Write(std::string_view data) = 0;
  // Closes both directions, which is how the end of output is signalled.
  // Unblocks a concurrent Read(). Thread-safe.
  virtual void Close() = 0;
};

// Ends a disconnect watch when destroyed (joins its thread), so nothing the
// callback touches may be destroyed before the guard.
class DisconnectWatch {
 public:
  virtual ~DisconnectWatch() = default;
};

class ResponseWriter {
 public:
  virtual ~ResponseWriter() = default;

  // A complete response with Content-Length. The standard headers
  // (Api-Version, Server, ...) are added by the server.
  virtual absl::Status Send(int status, const Headers& headers, std::string_view body) = 0;

  // Starts a chunked response and flushes its header at once (the docker CLI
  // waits for /wait's header before it sends /start).
  virtual absl::Status BeginChunked(int status, const Headers& headers) = 0;
  // One chunk, flushed at once. Unavailable when the client is gone.
  virtual absl::Status WriteChunk(std::string_view data) = 0;
  virtual absl::Status EndChunked() = 0;

  // Sends "HTTP/1.1 101 UPGRADED" with the given headers; the connection
  // then belongs to the handler.
  virtual absl::StatusOr<RawStream*> Hijack(const Headers& headers) = 0;

  // Calls `on_gone` (once, from another thread) when the client closes its
  // side while a long response is pending, so the handler can cancel the
  // backend call it is blocked on. Declare the returned guard after whatever
  // `on_gone` uses.
  virtual std::unique_ptr<DisconnectWatch> WatchDisconnect(std::function<void()> on_gone) = 0;

  // True once anything was sent (errors can then no longer be a status).
  virtual bool started() const = 0;
};

}  // namespace berth::apid::rest
