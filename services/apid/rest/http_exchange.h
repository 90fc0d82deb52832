#pragma once

// One HTTP request/response exchange of the Docker REST server, run on a
// worker thread with blocking socket I/O: what http_server.cc hands to the
// handlers as their BodyReader, ResponseWriter and RawStream. Internal to
// apid_http (it carries Beast types); handlers see only http_types.h.

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/apid/usecases/system_service.h"
#include "services/apid/rest/http_types.h"

namespace berth::apid::rest {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Executor = asio::strand<asio::io_context::executor_type>;
using StrandSocket = asio::basic_stream_socket<asio::local::stream_protocol, Executor>;

// The headers every dockerd response carries.
template <typename Res>
inline void AddStandardHeaders(Res& res) {
  res.set("Api-Version", kDockerApiVersion);
  res.set("Docker-Experimental", "false");
  res.set("Ostype", "linux");
  res.set(http::field::server, std::string("Berth/") + BERTH_VERSION + " (linux)");
}

// The client may still be sending a body that was refused (too large, a bad
// route): closing at once would reset the connection and destroy the error
// response on its way. So this stops sending, then discards what still
// arrives, bounded in bytes (256 MiB) and time (5 s), before the caller closes.
void DrainBeforeClose(int fd);

// One request/response exchange on a connection, run on a worker thread with
// blocking I/O. Implements the handler-facing interfaces. Only body reads are
// timed (body_read_timeout per wait); writes and hijacked streams are not.
class Exchange : public BodyReader, public ResponseWriter, public RawStream {
 public:
  Exchange(StrandSocket& socket, beast::flat_buffer& buffer,
           http::request_parser<http::buffer_body>& parser, bool head,
           absl::Duration body_read_timeout)
      : socket_(socket),
        buffer_(buffer),
        parser_(parser),
        head_(head),
        body_read_timeout_(body_read_timeout) {}

  // BodyReader.
  absl::StatusOr<std::string> ReadAll(size_t limit) override;
  absl::StatusOr<std::string> ReadSome(size_t max) override;
  bool body_done() const { return parser_.is_done(); }
  bool body_timed_out() const { return body_timed_out_; }

  // ResponseWriter.
  absl::Status Send(int status, const Headers& headers, std::string_view body) override;
  absl::Status BeginChunked(int status, const Headers& headers) override;
  absl::Status WriteChunk(std::string_view data) override;
  absl::Status EndChunked() override;
  absl::StatusOr<RawStream*> Hijack(const Headers& headers) override;
  std::unique_ptr<DisconnectWatch> WatchDisconnect(std::function<void()> on_gone) override;

  bool started() const override { return status_ != 0; }

  // RawStream. Plain syscalls on the descriptor: a reader and a writer thread
  // use it at once, which Asio's socket object does not allow. Asio may have
  // made the descriptor non-blocking, hence the poll() before each call.
  std::string Read(size_t max) override;
  bool Write(std::string_view data) override;
  void Close() override { ::shutdown(socket_.native_handle(), SHUT_RDWR); }

  int status() const { return status_; }
  bool hijacked() const { return hijacked_; }
  bool complete() const { return complete_; }

 private:
  void MarkStarted(int status) {
    if (status_ == 0) status_ = status;
  }

  // Hands buffered and newly received bytes to the parser until some body
  // bytes land in the body buffer (`size` bytes free at the start), the body
  // ends, or it fails. Beast's blocking read cannot time out, so the reads
  // are poll() + recv() here, each wait bounded by body_read_timeout_: a
  // client that stalls mid-body costs a worker thread only that long.
  absl::Status FeedParser(size_t size);

  // Appends what the socket has to buffer_; appends nothing at EOF.
  absl::Status ReceiveSome();
  StrandSocket& socket_;
  beast::flat_buffer& buffer_;
  http::request_parser<http::buffer_body>& parser_;
  bool head_;
  absl::Duration body_read_timeout_;
  int status_ = 0;
  bool hijacked_ = false;
  bool complete_ = false;
  bool body_timed_out_ = false;
};

}  // namespace berth::apid::rest
