#include "services/apid/rest/http_server.h"

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <set>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/asio/experimental/as_tuple.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/grpc/server_runner.h"
#include "common/status/status.h"
#include "services/apid/usecases/system_service.h"
#include "services/apid/metrics.h"
#include "services/apid/rest/http_exchange.h"
#include "services/apid/rest/http_status.h"
#include "services/apid/rest/worker_pool.h"
#include "spdlog/spdlog.h"

namespace berth::apid::rest {
namespace {

// A socket whose asynchronous operations can time out (expires_after): the
// coroutine's reads of request headers. Handlers use the socket inside it
// with blocking calls, which are never timed by it.
using TimedStream = beast::basic_stream<asio::local::stream_protocol, Executor>;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

constexpr size_t kHeaderLimit = 64 * 1024;

// A refused connection gets this long to take its 503 and go; more refusals
// than this at once are closed without an answer.
constexpr auto kRefusalGrace = std::chrono::seconds(2);
constexpr int kMaxRefusalsInFlight = 64;
constexpr auto kAcceptErrorPause = std::chrono::milliseconds(100);

std::chrono::steady_clock::duration ToChrono(absl::Duration d) {
  return absl::ToChronoNanoseconds(d);
}

// Runs `fn` on a thread reserved in `pool` and resumes the coroutine on its
// own executor when it is done. Backend calls block, some for as long as a
// container runs, so they must not occupy the I/O threads.
template <typename Fn>
asio::awaitable<void> RunOnWorker(WorkerPool& pool, Fn fn) {
  co_await asio::async_initiate<decltype(asio::use_awaitable), void()>(
      [&pool, fn = std::move(fn)](auto handler) mutable {
        auto work = asio::make_work_guard(asio::get_associated_executor(handler));
        pool.Run([fn = std::move(fn), handler = std::move(handler),
                  work = std::move(work)]() mutable {
          fn();
          // post, not dispatch: the pool may run a task inline (see Run()).
          auto ex = work.get_executor();
          asio::post(ex, [handler = std::move(handler)]() mutable { std::move(handler)(); });
        });
      },
      asio::use_awaitable);
}

// Answers `status` with a Docker error body and closes, without blocking an
// I/O thread: the write and the drain that lets the client read the answer
// (as in DrainBeforeClose) are asynchronous and bounded by kRefusalGrace.
asio::awaitable<void> RefuseAndClose(TimedStream& stream, beast::flat_buffer& buffer,
                                     http::status status, std::string message) {
  http::response<http::string_body> res{status, 11};
  AddStandardHeaders(res);
  res.set(http::field::content_type, "application/json");
  res.body() = ErrorBody(message);
  res.keep_alive(false);
  res.prepare_payload();
  stream.expires_after(kRefusalGrace);
  auto [wec, wn] = co_await http::async_write(stream, res, kTuple);
  if (!wec) {
    beast::error_code ignored;
    stream.socket().shutdown(asio::socket_base::shutdown_send, ignored);
    size_t drained = 0;
    while (drained < (1u << 20)) {
      buffer.clear();
      auto [rec, rn] = co_await stream.async_read_some(buffer.prepare(16 * 1024), kTuple);
      if (rec) break;  // EOF, error, or the grace expired
      drained += rn;
    }
  }
  beast::error_code ignored;
  stream.socket().shutdown(asio::socket_base::shutdown_both, ignored);
  stream.close();
}

// Logs refusals at most every 10 s with a running count, so that a flood of
// connections cannot flood the log too.
class RefusalLog {
 public:
  void Note(const char* what) {
    const long long count = count_.fetch_add(1) + 1;
    const long long now = absl::ToUnixSeconds(absl::Now());
    long long last = last_.load();
    if (count > 1 && now - last < 10) return;
    if (last_.compare_exchange_strong(last, now)) {
      spdlog::warn("docker API: refused a request: {} ({} refusals so far)", what, count);
    }
  }

 private:
  std::atomic<long long> count_{0};
  std::atomic<long long> last_{0};
};

}  // namespace

class HttpServer::Impl {
 public:
  Impl(const Router& router, ApidMetrics* metrics, std::string path,
       const HttpServerOptions& options)
      : router_(router),
        metrics_(metrics),
        path_(std::move(path)),
        options_(options),
        pool_(options.max_requests),
        acceptor_(ioc_) {}

  absl::Status Listen() {
    ::unlink(path_.c_str());
    beast::error_code ec;
    asio::local::stream_protocol::endpoint endpoint(path_);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return absl::UnavailableError("listen on " + path_ + ": " + ec.message());
    // Public like api.sock: group "berth" may use it (the daemon is root).
    if (absl::Status s = RestrictSocket(path_, SocketAccess::kGroup); !s.ok()) {
      acceptor_.close(ec);
      ::unlink(path_.c_str());
      return absl::UnavailableError("listen on " + path_ + ": " + std::string(s.message()));
    }
    asio::co_spawn(ioc_, AcceptLoop(), asio::detached);
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { ioc_.run(); });
    return absl::OkStatus();
  }

  // Returns true when no request thread is left, so the caller may free us.
  bool Stop() {
    // Close the acceptor on an I/O thread (Asio objects are not thread-safe).
    asio::post(ioc_, [this] {
      beast::error_code ec;
      acceptor_.close(ec);
    });
    // Shutting the connections down ends the requests: blocked socket I/O
    // fails and the disconnect watches cancel their backend streams.
    bool idle = false;
    {
      absl::MutexLock lock(&mu_);
      for (int fd : busy_fds_) ::shutdown(fd, SHUT_RDWR);
      auto none = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return busy_fds_.empty(); };
      idle = mu_.AwaitWithTimeout(absl::Condition(&none), absl::Seconds(3));
    }
    idle = pool_.Stop(absl::Seconds(idle ? 1 : 0)) && idle;
    ioc_.stop();
    for (std::thread& t : threads_) t.join();
    ::unlink(path_.c_str());
    if (!idle) spdlog::warn("docker API: requests still running at shutdown are abandoned");
    return idle;
  }

 private:
  asio::awaitable<void> AcceptLoop() {
    while (true) {
      auto [ec, socket] = co_await acceptor_.async_accept(asio::make_strand(ioc_), kTuple);
      if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
      if (ec) {
        // Out of descriptors (EMFILE/ENFILE) leaves the connection queued, so
        // an immediate retry fails the same way: pause instead of spinning.
        refusals_.Note(("accept failed: " + ec.message()).c_str());
        asio::steady_timer pause(co_await asio::this_coro::executor, kAcceptErrorPause);
        co_await pause.async_wait(kTuple);
        continue;
      }
      auto ex = socket.get_executor();
      if (connections_.load() >= options_.max_connections) {
        refusals_.Note("too many connections");
        if (refusing_.load() >= kMaxRefusalsInFlight) continue;  // the socket closes here
        asio::co_spawn(ex, Refuse(TimedStream(std::move(socket))), asio::detached);
        continue;
      }
      connections_.fetch_add(1);
      asio::co_spawn(ex, Session(TimedStream(std::move(socket))), asio::detached);
    }
  }

  asio::awaitable<void> Refuse(TimedStream stream) {
    refusing_.fetch_add(1);
    beast::flat_buffer buffer;
    co_await RefuseAndClose(stream, buffer, http::status::service_unavailable,
                            absl::StrCat("too many connections to the Docker API (limit ",
                                         options_.max_connections, ")"));
    refusing_.fetch_sub(1);
  }

  // Reads the next request's header: within idle_timeout its first byte
  // (after the first request; before it, the accept starts the header
  // clock), then within header_timeout the rest. False when the connection
  // is done: closed, timed out, or garbage.
  asio::awaitable<bool> ReadHeader(TimedStream& stream, beast::flat_buffer& buffer,
                                   http::request_parser<http::empty_body>& parser, bool first) {
    if (!first && buffer.size() == 0) {
      stream.expires_after(ToChrono(options_.idle_timeout));
      auto [ec, n] = co_await stream.async_read_some(buffer.prepare(4096), kTuple);
      if (ec) co_return false;  // EOF, or idle too long (the stream closed the socket)
      buffer.commit(n);
    }
    stream.expires_after(ToChrono(options_.header_timeout));
    auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, kTuple);
    if (ec == beast::error::timeout) {
      spdlog::debug("docker API: connection dropped, no request header within {}",
                    absl::FormatDuration(options_.header_timeout));
    }
    // The request is accepted from here on: nothing of it is timed any more.
    if (!ec) stream.expires_never();
    co_return !ec;
  }

  asio::awaitable<void> Session(TimedStream stream) {
    beast::flat_buffer buffer;
    bool first = true;
    while (true) {
      http::request_parser<http::empty_body> header_parser;
      header_parser.header_limit(kHeaderLimit);
      // Beast checks Content-Length against the body limit while parsing the
      // header (default 1 MiB); handlers enforce their own limits instead.
      header_parser.body_limit(boost::none);
      if (!co_await ReadHeader(stream, buffer, header_parser, first)) break;
      first = false;
      if (!pool_.TryReserve()) {
        refusals_.Note("too many requests in progress");
        co_await RefuseAndClose(stream, buffer, http::status::service_unavailable,
                                absl::StrCat("the Docker API is busy: ", options_.max_requests,
                                             " requests in progress"));
        break;
      }
      bool keep_alive = false;
      http::request_parser<http::buffer_body> parser(std::move(header_parser));
      parser.body_limit(boost::none);  // handlers enforce their own limits
      StrandSocket& socket = stream.socket();
      const int fd = socket.native_handle();
      {
        absl::MutexLock lock(&mu_);
        busy_fds_.insert(fd);
      }
      co_await RunOnWorker(pool_, [&] { keep_alive = Handle(socket, buffer, parser); });
      {
        absl::MutexLock lock(&mu_);
        busy_fds_.erase(fd);
      }
      if (!keep_alive) break;
    }
    beast::error_code ignored;
    stream.socket().shutdown(asio::socket_base::shutdown_both, ignored);
    stream.close();
    connections_.fetch_sub(1);
  }

  // Runs one request on the calling (request) thread. Returns whether the
  // connection can carry another request.
  bool Handle(StrandSocket& socket, beast::flat_buffer& buffer,
              http::request_parser<http::buffer_body>& parser) {
    auto begin = std::chrono::steady_clock::now();
    const auto& header = parser.get();
    HttpRequest request;
    request.method = std::string(header.method_string());
    request.target = std::string(header.target());
    for (const auto& field : header) {
      request.headers[absl::AsciiStrToLower(std::string(field.name_string()))] =
          std::string(field.value());
    }
    Exchange exchange(socket, buffer, parser, request.method == "HEAD",
                      options_.body_read_timeout);
    std::string route = "unmatched";
    absl::Status status;
    try {
      status = Dispatch(request, exchange, &route);
    } catch (const std::exception& e) {
      // Handlers report errors as Status; a throw (a library edge that was
      // missed) must not take the daemon down.
      status = absl::InternalError(std::string("unexpected error: ") + e.what());
    }
    if (!status.ok() && !exchange.started()) {
      // A stalled body is the client's fault (408), not a server error.
      const int code = exchange.body_timed_out() ? 408 : HttpStatusFor(status);
      exchange.Send(code, {{"Content-Type", "application/json"}},
                    ErrorBody(std::string(status.message())))
          .IgnoreError();
    } else if (!status.ok()) {
      spdlog::warn("{} {}: failed after the response started: {}", request.method, route,
                   status.ToString());
    }
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
    if (metrics_ != nullptr) {
      metrics_->RecordHttpRequest(request.method, route, exchange.status(), seconds);
    }
    spdlog::debug("{} {} → {} ({:.3f}s)", request.method, request.target, exchange.status(),
                  seconds);
    if (exchange.hijacked() || exchange.body_timed_out()) return false;
    if (!exchange.body_done()) {
      // Drain a small unread body so the next request parses; else close
      // gracefully so the client still reads the response.
      absl::StatusOr<std::string> rest = exchange.ReadAll(1 << 20);
      if (!rest.ok()) {
        DrainBeforeClose(socket.native_handle());
        return false;
      }
    }
    return exchange.complete() && header.keep_alive();
  }

  absl::Status Dispatch(HttpRequest& request, Exchange& exchange, std::string* route) {
    size_t q = request.target.find('?');
    std::string raw_path = request.target.substr(0, q);
    absl::StatusOr<Query> query =
        Query::Parse(q == std::string::npos ? "" : request.target.substr(q + 1));
    if (!query.ok()) return query.status();
    request.query = std::move(*query);
    absl::StatusOr<std::string> path = PercentDecode(raw_path, false);
    if (!path.ok()) return path.status();
    absl::StatusOr<VersionedPath> versioned =
        SplitVersion(*path, kDockerMinApiVersion, kDockerApiVersion);
    if (!versioned.ok()) return versioned.status();
    request.path = versioned->path;
    request.api_version = versioned->version.empty() ? kDockerApiVersion : versioned->version;
    std::optional<Router::Match> match = router_.Find(request.method, request.path);
    if (!match) return absl::NotFoundError("page not found");
    *route = *match->pattern;
    request.params = std::move(match->params);
    HandlerContext ctx{request, exchange, exchange};
    return (*match->handler)(ctx);
  }

  const Router& router_;
  ApidMetrics* metrics_;
  std::string path_;
  const HttpServerOptions options_;
  WorkerPool pool_;
  // Sessions alive (accepted, not refused); and refusals being answered.
  std::atomic<int> connections_{0};
  std::atomic<int> refusing_{0};
  RefusalLog refusals_;
  absl::Mutex mu_;
  // Connections with a request running on its own thread.
  std::set<int> busy_fds_ ABSL_GUARDED_BY(mu_);
  asio::io_context ioc_;
  asio::local::stream_protocol::acceptor acceptor_;
  std::vector<std::thread> threads_;
};

absl::Status HttpServerOptions::Validate() const {
  if (max_connections < 1) return absl::InvalidArgumentError("max_connections must be at least 1");
  if (max_requests < 1) return absl::InvalidArgumentError("max_requests must be at least 1");
  if (header_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("header_timeout must be positive");
  }
  if (idle_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("idle_timeout must be positive");
  }
  if (body_read_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("body_read_timeout must be positive");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(const std::string& address,
                                                              const Router& router,
                                                              ApidMetrics* metrics,
                                                              const HttpServerOptions& options) {
  constexpr char kUnix[] = "unix://";
  if (!absl::StartsWith(address, kUnix)) {
    return absl::InvalidArgumentError("docker socket '" + address +
                                      "': only unix:// addresses are supported (TCP needs TLS, "
                                      "not built yet)");
  }
  BERTH_RETURN_IF_ERROR(options.Validate());
  auto impl =
      std::make_unique<Impl>(router, metrics, address.substr(sizeof(kUnix) - 1), options);
  BERTH_RETURN_IF_ERROR(impl->Listen());
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() {
  if (!impl_->Stop()) {
    // Request threads still reference connections owned by the io_context;
    // the process is exiting, so leave it to the OS rather than free it under them.
    (void)impl_.release();
  }
}

}  // namespace berth::apid::rest
