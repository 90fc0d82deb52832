#include "services/apid/rest/http_server.h"

#include <grp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <set>
#include <chrono>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/asio/experimental/as_tuple.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "absl/strings/ascii.h"
#include "absl/synchronization/mutex.h"
#include "absl/strings/match.h"
#include "services/apid/usecases/system_service.h"
#include "services/apid/metrics.h"
#include "services/apid/rest/http_status.h"
#include "spdlog/spdlog.h"

namespace berth::apid::rest {
namespace {

// The client may still be sending a body that was refused (too large, a bad
// route): closing at once would reset the connection and destroy the error
// response on its way. So stop sending, then discard what still arrives,
// bounded in bytes and time, before the caller closes.
void DrainBeforeClose(int fd) {
  constexpr size_t kMaxDrainBytes = 256u << 20;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  ::shutdown(fd, SHUT_WR);
  char buf[64 * 1024];
  size_t total = 0;
  while (total < kMaxDrainBytes && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 1000) <= 0) break;
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    total += static_cast<size_t>(n);
  }
}

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Socket = asio::local::stream_protocol::socket;
using Executor = asio::strand<asio::io_context::executor_type>;
using StrandSocket = asio::basic_stream_socket<asio::local::stream_protocol, Executor>;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

constexpr size_t kHeaderLimit = 64 * 1024;

// Runs `fn` on a new thread and resumes the coroutine on its own executor
// when it is done. Backend calls block, some for as long as a container
// runs, so they must not occupy the I/O threads.
template <typename Fn>
asio::awaitable<void> RunOnThread(Fn fn) {
  co_await asio::async_initiate<decltype(asio::use_awaitable), void()>(
      [fn = std::move(fn)](auto handler) mutable {
        auto work = asio::make_work_guard(asio::get_associated_executor(handler));
        std::thread([fn = std::move(fn), handler = std::move(handler),
                     work = std::move(work)]() mutable {
          fn();
          auto ex = work.get_executor();
          asio::dispatch(ex, [handler = std::move(handler)]() mutable { std::move(handler)(); });
        }).detach();
      },
      asio::use_awaitable);
}

// Polls the connection for the peer's close (POLLRDHUP) until destroyed.
class PollDisconnectWatch : public DisconnectWatch {
 public:
  PollDisconnectWatch(int fd, std::function<void()> on_gone) {
    thread_ = std::thread([this, fd, on_gone = std::move(on_gone)] {
      while (!stop_.load()) {
        pollfd p{fd, POLLRDHUP, 0};
        int n = ::poll(&p, 1, 200);
        if (n > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) != 0) {
          on_gone();
          return;
        }
      }
    });
  }
  ~PollDisconnectWatch() override {
    stop_.store(true);
    thread_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// One request/response exchange on a connection, run on the request's thread
// with blocking I/O. Implements the handler-facing interfaces.
class Exchange : public BodyReader, public ResponseWriter, public RawStream {
 public:
  Exchange(StrandSocket& socket, beast::flat_buffer& buffer,
           http::request_parser<http::buffer_body>& parser, bool head)
      : socket_(socket), buffer_(buffer), parser_(parser), head_(head) {}

  // BodyReader.
  absl::StatusOr<std::string> ReadAll(size_t limit) override {
    std::string all;
    while (true) {
      absl::StatusOr<std::string> part = ReadSome(64 * 1024);
      if (!part.ok()) return part.status();
      if (part->empty()) return all;
      all += *part;
      if (all.size() > limit) return absl::InvalidArgumentError("request body too large");
    }
  }

  absl::StatusOr<std::string> ReadSome(size_t max) override {
    std::string out;
    while (out.empty() && !parser_.is_done()) {
      out.resize(max);
      parser_.get().body().data = out.data();
      parser_.get().body().size = max;
      parser_.get().body().more = true;
      beast::error_code ec;
      http::read(socket_, buffer_, parser_, ec);
      if (ec == http::error::need_buffer) ec = {};
      if (ec) return absl::UnavailableError("reading the request body: " + ec.message());
      out.resize(max - parser_.get().body().size);
    }
    return out;
  }

  bool body_done() const { return parser_.is_done(); }

  // ResponseWriter.
  absl::Status Send(int status, const Headers& headers, std::string_view body) override {
    http::response<http::string_body> res{static_cast<http::status>(status), 11};
    AddStandardHeaders(res);
    for (const auto& [k, v] : headers) res.set(k, v);
    if (status != 204 && status != 304) res.content_length(head_ ? 0 : body.size());
    if (!head_) res.body() = std::string(body);
    res.keep_alive(parser_.get().keep_alive());
    http::response_serializer<http::string_body> sr{res};
    if (head_) sr.split(true);
    beast::error_code ec;
    if (head_) {
      http::write_header(socket_, sr, ec);
    } else {
      http::write(socket_, sr, ec);
    }
    MarkStarted(status);
    complete_ = !ec;
    if (ec) return absl::UnavailableError("writing the response: " + ec.message());
    return absl::OkStatus();
  }

  absl::Status BeginChunked(int status, const Headers& headers) override {
    http::response<http::empty_body> res{static_cast<http::status>(status), 11};
    AddStandardHeaders(res);
    for (const auto& [k, v] : headers) res.set(k, v);
    res.chunked(true);
    res.keep_alive(parser_.get().keep_alive());
    http::response_serializer<http::empty_body> sr{res};
    beast::error_code ec;
    http::write_header(socket_, sr, ec);
    MarkStarted(status);
    if (ec) return absl::UnavailableError("writing the response: " + ec.message());
    return absl::OkStatus();
  }

  absl::Status WriteChunk(std::string_view data) override {
    if (data.empty()) return absl::OkStatus();  // an empty chunk would end the body
    beast::error_code ec;
    asio::write(socket_, http::make_chunk(asio::const_buffer(data.data(), data.size())), ec);
    if (ec) return absl::UnavailableError("client gone: " + ec.message());
    return absl::OkStatus();
  }

  absl::Status EndChunked() override {
    beast::error_code ec;
    asio::write(socket_, http::make_chunk_last(), ec);
    complete_ = !ec;
    if (ec) return absl::UnavailableError("client gone: " + ec.message());
    return absl::OkStatus();
  }

  absl::StatusOr<RawStream*> Hijack(const Headers& headers) override {
    std::string head = "HTTP/1.1 101 UPGRADED\r\n";
    for (const auto& [k, v] : headers) head += k + ": " + v + "\r\n";
    head += "\r\n";
    beast::error_code ec;
    asio::write(socket_, asio::buffer(head), ec);
    MarkStarted(101);
    hijacked_ = true;
    if (ec) return absl::UnavailableError("client gone: " + ec.message());
    return static_cast<RawStream*>(this);
  }

  std::unique_ptr<DisconnectWatch> WatchDisconnect(std::function<void()> on_gone) override {
    return std::make_unique<PollDisconnectWatch>(socket_.native_handle(), std::move(on_gone));
  }

  bool started() const override { return status_ != 0; }

  // RawStream. Plain syscalls on the descriptor: a reader and a writer thread
  // use it at once, which Asio's socket object does not allow. Asio may have
  // made the descriptor non-blocking, hence the poll() before each call.
  std::string Read(size_t max) override {
    if (buffer_.size() > 0) {
      size_t n = std::min(max, buffer_.size());
      std::string out(static_cast<const char*>(buffer_.data().data()), n);
      buffer_.consume(n);
      return out;
    }
    std::string out(max, '\0');
    while (true) {
      pollfd p{socket_.native_handle(), POLLIN, 0};
      if (::poll(&p, 1, -1) < 0 && errno != EINTR) return "";
      ssize_t n = ::recv(socket_.native_handle(), out.data(), max, 0);
      if (n > 0) {
        out.resize(n);
        return out;
      }
      if (n == 0 || (errno != EAGAIN && errno != EINTR)) return "";
    }
  }

  bool Write(std::string_view data) override {
    while (!data.empty()) {
      pollfd p{socket_.native_handle(), POLLOUT, 0};
      if (::poll(&p, 1, -1) < 0 && errno != EINTR) return false;
      ssize_t n = ::send(socket_.native_handle(), data.data(), data.size(), MSG_NOSIGNAL);
      if (n > 0) {
        data.remove_prefix(n);
      } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
        return false;
      }
    }
    return true;
  }

  void Close() override { ::shutdown(socket_.native_handle(), SHUT_RDWR); }

  int status() const { return status_; }
  bool hijacked() const { return hijacked_; }
  bool complete() const { return complete_; }

 private:
  template <typename Res>
  static void AddStandardHeaders(Res& res) {
    res.set("Api-Version", kDockerApiVersion);
    res.set("Docker-Experimental", "false");
    res.set("Ostype", "linux");
    res.set(http::field::server, std::string("Berth/") + BERTH_VERSION + " (linux)");
  }
  void MarkStarted(int status) {
    if (status_ == 0) status_ = status;
  }

  StrandSocket& socket_;
  beast::flat_buffer& buffer_;
  http::request_parser<http::buffer_body>& parser_;
  bool head_;
  int status_ = 0;
  bool hijacked_ = false;
  bool complete_ = false;
};

}  // namespace

class HttpServer::Impl {
 public:
  Impl(const Router& router, ApidMetrics* metrics, std::string path)
      : router_(router), metrics_(metrics), path_(std::move(path)), acceptor_(ioc_) {}

  absl::Status Listen() {
    ::unlink(path_.c_str());
    beast::error_code ec;
    asio::local::stream_protocol::endpoint endpoint(path_);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return absl::UnavailableError("listen on " + path_ + ": " + ec.message());
    ::chmod(path_.c_str(), 0660);
    if (struct group* g = ::getgrnam("berth"); g != nullptr) {
      if (::chown(path_.c_str(), 0, g->gr_gid) != 0) {
        spdlog::warn("chown {} to group berth failed", path_);
      }
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
      if (ec) continue;
      auto ex = socket.get_executor();
      asio::co_spawn(ex, Session(std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> Session(StrandSocket socket) {
    beast::flat_buffer buffer;
    while (true) {
      http::request_parser<http::empty_body> header_parser;
      header_parser.header_limit(kHeaderLimit);
      // Beast checks Content-Length against the body limit while parsing the
      // header (default 1 MiB); handlers enforce their own limits instead.
      header_parser.body_limit(boost::none);
      auto [ec, n] = co_await http::async_read_header(socket, buffer, header_parser, kTuple);
      if (ec) break;  // EOF between requests, or garbage
      bool keep_alive = false;
      http::request_parser<http::buffer_body> parser(std::move(header_parser));
      parser.body_limit(boost::none);  // handlers enforce their own limits
      const int fd = socket.native_handle();
      {
        absl::MutexLock lock(&mu_);
        busy_fds_.insert(fd);
      }
      try {
        co_await RunOnThread([&] { keep_alive = Handle(socket, buffer, parser); });
      } catch (const std::system_error& e) {
        spdlog::error("docker API: cannot start a request thread: {}", e.what());
        keep_alive = false;
      }
      {
        absl::MutexLock lock(&mu_);
        busy_fds_.erase(fd);
      }
      if (!keep_alive) break;
    }
    beast::error_code ignored;
    socket.shutdown(asio::socket_base::shutdown_both, ignored);
    socket.close(ignored);
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
    Exchange exchange(socket, buffer, parser, request.method == "HEAD");
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
      exchange.Send(HttpStatusFor(status), {{"Content-Type", "application/json"}},
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
    if (exchange.hijacked()) return false;
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
  absl::Mutex mu_;
  // Connections with a request running on its own thread.
  std::set<int> busy_fds_ ABSL_GUARDED_BY(mu_);
  asio::io_context ioc_;
  asio::local::stream_protocol::acceptor acceptor_;
  std::vector<std::thread> threads_;
};

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(const std::string& address,
                                                              const Router& router,
                                                              ApidMetrics* metrics) {
  constexpr char kUnix[] = "unix://";
  if (!absl::StartsWith(address, kUnix)) {
    return absl::InvalidArgumentError("docker socket '" + address +
                                      "': only unix:// addresses are supported (TCP needs TLS, "
                                      "not built yet)");
  }
  auto impl = std::make_unique<Impl>(router, metrics, address.substr(sizeof(kUnix) - 1));
  if (absl::Status s = impl->Listen(); !s.ok()) return s;
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
