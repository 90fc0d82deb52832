// The REST server's limits over a real unix socket in a temp dir: slowloris
// and idle connections are dropped, the connection and request caps answer
// 503, a stalled body gets 408, and a hijacked stream or a slow chunked
// response outlives every timeout. Timeouts are short here; each wait is
// bounded so a regression fails instead of hanging.

#include "services/apid/rest/http_server.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/synchronization/notification.h"

namespace berth::apid::rest {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using Clock = std::chrono::steady_clock;

// A raw client connection with bounded blocking calls.
class Client {
 public:
  explicit Client(const std::string& path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path.c_str());
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~Client() { ::close(fd_); }

  bool connected() const { return connected_; }
  bool Send(const std::string& data) {
    return ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(data.size());
  }
  // Reads until `done(received)` or EOF/error or `timeout`; returns what came.
  template <typename Pred>
  std::string ReadUntil(Pred done, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (!done(received_) && Clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (::poll(&p, 1, static_cast<int>(std::max<long>(left.count(), 1))) <= 0) continue;
      char buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) {
        closed_ = true;
        break;
      }
      received_.append(buf, n);
    }
    return received_;
  }
  // One whole response with a Content-Length (or up to the timeout).
  std::string ReadResponse(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::string r = ReadUntil(
        [](const std::string& s) {
          size_t end = s.find("\r\n\r\n");
          if (end == std::string::npos) return false;
          size_t cl = s.find("Content-Length: ");
          if (cl == std::string::npos || cl > end) return true;
          return s.size() >= end + 4 + std::stoul(s.substr(cl + 16));
        },
        timeout);
    received_.clear();
    return r;
  }
  // Waits for the server to close; true when it did within `timeout`.
  bool WaitClosed(std::chrono::milliseconds timeout) {
    ReadUntil([](const std::string&) { return false; }, timeout);
    return closed_;
  }
  std::string& received() { return received_; }

 private:
  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
  std::string received_;
};

constexpr char kPing[] = "GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n";

class HttpServerTest : public ::testing::Test {
 protected:
  HttpServerTest() {
    char tmpl[] = "/tmp/apid-http-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    path_ = dir_ + "/docker.sock";
    router_.Add("GET", "/_ping",
                [](HandlerContext& ctx) { return ctx.response.Send(200, {}, "OK"); });
    router_.Add("POST", "/echo", [](HandlerContext& ctx) {
      absl::StatusOr<std::string> body = ctx.body.ReadAll(1 << 20);
      if (!body.ok()) return body.status();
      return ctx.response.Send(200, {}, *body);
    });
    router_.Add("GET", "/block", [this](HandlerContext& ctx) {
      blocked_.Notify();
      release_.WaitForNotificationWithTimeout(absl::Seconds(10));
      return ctx.response.Send(200, {}, "released");
    });
    // A slow stream: the body arrives well after every timeout has passed.
    router_.Add("GET", "/slow", [](HandlerContext& ctx) {
      if (absl::Status s = ctx.response.BeginChunked(200, {}); !s.ok()) return s;
      std::this_thread::sleep_for(std::chrono::milliseconds(700));
      if (absl::Status s = ctx.response.WriteChunk("late"); !s.ok()) return s;
      return ctx.response.EndChunked();
    });
    // A hijacked echo, like attach: bytes back until the client half-closes.
    router_.Add("POST", "/hijack", [](HandlerContext& ctx) {
      absl::StatusOr<RawStream*> raw = ctx.response.Hijack({{"Upgrade", "tcp"}});
      if (!raw.ok()) return raw.status();
      while (true) {
        std::string data = (*raw)->Read(1024);
        if (data.empty() || !(*raw)->Write("echo:" + data)) break;
      }
      (*raw)->Close();
      return absl::OkStatus();
    });
  }
  ~HttpServerTest() override {
    if (!release_.HasBeenNotified()) release_.Notify();
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  void Start(HttpServerOptions options) {
    auto server = HttpServer::Start("unix://" + path_, router_, nullptr, options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
  }

  // A ping on a new connection is answered 200 within 50 tries.
  bool PingServedEventually() {
    for (int i = 0; i < 50; ++i) {
      Client c(path_);
      c.Send(kPing);
      if (absl::StartsWith(c.ReadResponse(), "HTTP/1.1 200")) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  std::string dir_;
  std::string path_;
  Router router_;
  absl::Notification blocked_;
  absl::Notification release_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTest, ServesKeepAliveRequestsAndTheSocketIsGroupOnly) {
  Start({});
  struct stat st{};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0660u);
  Client c(path_);
  ASSERT_TRUE(c.connected());
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(c.Send(kPing));
    std::string r = c.ReadResponse();
    EXPECT_THAT(r, StartsWith("HTTP/1.1 200 OK"));
    EXPECT_THAT(r, HasSubstr("\r\n\r\nOK"));
  }
}

TEST_F(HttpServerTest, RefusesBadOptions) {
  HttpServerOptions options;
  options.max_connections = 0;
  EXPECT_EQ(HttpServer::Start("unix://" + path_, router_, nullptr, options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options = {};
  options.header_timeout = absl::ZeroDuration();
  EXPECT_EQ(HttpServer::Start("unix://" + path_, router_, nullptr, options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(HttpServerTest, SlowlorisHeaderIsDroppedWithinTheHeaderTimeout) {
  HttpServerOptions options;
  options.header_timeout = absl::Milliseconds(400);
  Start(options);
  Client c(path_);
  ASSERT_TRUE(c.Send("GET /_ping HTTP/1.1\r\n"));
  const auto begin = Clock::now();
  // One header byte every 50 ms, each arriving well within any per-read
  // timeout: only a deadline on the whole header stops this.
  bool dropped = false;
  const std::string trickle = "X-Slow: " + std::string(64, 'a');
  for (char ch : trickle) {
    if (!c.Send(std::string(1, ch)) || c.WaitClosed(std::chrono::milliseconds(50))) {
      dropped = true;
      break;
    }
  }
  const auto took = Clock::now() - begin;
  EXPECT_TRUE(dropped) << "still connected after " << trickle.size() * 50 << " ms";
  EXPECT_GE(took, std::chrono::milliseconds(350));
  EXPECT_LT(took, std::chrono::milliseconds(2000));
  EXPECT_THAT(c.received(), ::testing::IsEmpty());  // dropped, not answered
}

TEST_F(HttpServerTest, IdleKeepAliveConnectionIsClosed) {
  HttpServerOptions options;
  options.idle_timeout = absl::Milliseconds(300);
  Start(options);
  Client c(path_);
  ASSERT_TRUE(c.Send(kPing));
  EXPECT_THAT(c.ReadResponse(), StartsWith("HTTP/1.1 200"));
  const auto begin = Clock::now();
  EXPECT_TRUE(c.WaitClosed(std::chrono::seconds(3)));
  EXPECT_GE(Clock::now() - begin, std::chrono::milliseconds(250));
}

TEST_F(HttpServerTest, ConnectionCapAnswers503AndFreesTheSlotOnClose) {
  HttpServerOptions options;
  options.max_connections = 2;
  Start(options);
  auto a = std::make_unique<Client>(path_);
  Client b(path_);
  // A served request proves each connection holds a slot.
  ASSERT_TRUE(a->Send(kPing));
  ASSERT_THAT(a->ReadResponse(), StartsWith("HTTP/1.1 200"));
  ASSERT_TRUE(b.Send(kPing));
  ASSERT_THAT(b.ReadResponse(), StartsWith("HTTP/1.1 200"));
  {
    Client over(path_);
    over.Send(kPing);
    std::string r = over.ReadResponse();
    EXPECT_THAT(r, StartsWith("HTTP/1.1 503"));
    EXPECT_THAT(r, HasSubstr("{\"message\":\"too many connections to the Docker API (limit 2)\"}"));
    EXPECT_TRUE(over.WaitClosed(std::chrono::seconds(3)));
  }
  a.reset();
  // The slot frees asynchronously once the server sees the close.
  EXPECT_TRUE(PingServedEventually());
}

TEST_F(HttpServerTest, RequestCapAnswers503WhileEveryWorkerIsBusy) {
  HttpServerOptions options;
  options.max_requests = 1;
  Start(options);
  Client busy(path_);
  ASSERT_TRUE(busy.Send("GET /block HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(blocked_.WaitForNotificationWithTimeout(absl::Seconds(5)));
  Client other(path_);
  other.Send(kPing);
  std::string r = other.ReadResponse();
  EXPECT_THAT(r, StartsWith("HTTP/1.1 503"));
  EXPECT_THAT(r, HasSubstr("the Docker API is busy: 1 requests in progress"));
  release_.Notify();
  EXPECT_THAT(busy.ReadResponse(), HasSubstr("released"));
  // The worker is free a moment after its response went out.
  EXPECT_TRUE(PingServedEventually());
}

TEST_F(HttpServerTest, BodiesArriveWhole) {
  Start({});
  Client c(path_);
  // Content-Length, sent in pieces.
  ASSERT_TRUE(c.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello"));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_TRUE(c.Send(" world"));
  EXPECT_THAT(c.ReadResponse(), HasSubstr("\r\n\r\nhello world"));
  // Chunked, with a chunk header split across writes.
  ASSERT_TRUE(c.Send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r"));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_TRUE(c.Send("\nabc\r\n4\r\ndefg\r\n0\r\n\r\n"));
  EXPECT_THAT(c.ReadResponse(), HasSubstr("\r\n\r\nabcdefg"));
  // The connection is still usable: the parser consumed exactly the bodies.
  ASSERT_TRUE(c.Send(kPing));
  EXPECT_THAT(c.ReadResponse(), StartsWith("HTTP/1.1 200"));
}

TEST_F(HttpServerTest, StalledBodyGets408) {
  HttpServerOptions options;
  options.body_read_timeout = absl::Milliseconds(300);
  Start(options);
  Client c(path_);
  ASSERT_TRUE(c.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc"));
  const auto begin = Clock::now();
  std::string r = c.ReadResponse(std::chrono::seconds(5));
  EXPECT_THAT(r, StartsWith("HTTP/1.1 408"));
  EXPECT_THAT(r, HasSubstr("no request body data for 300ms"));
  EXPECT_LT(Clock::now() - begin, std::chrono::seconds(3));
  EXPECT_TRUE(c.WaitClosed(std::chrono::seconds(3)));
}

TEST_F(HttpServerTest, HijackedStreamOutlivesEveryTimeout) {
  HttpServerOptions options;
  options.header_timeout = absl::Milliseconds(200);
  options.idle_timeout = absl::Milliseconds(200);
  options.body_read_timeout = absl::Milliseconds(200);
  Start(options);
  Client c(path_);
  ASSERT_TRUE(c.Send("POST /hijack HTTP/1.1\r\nHost: x\r\nUpgrade: tcp\r\n\r\n"));
  EXPECT_THAT(c.ReadResponse(), StartsWith("HTTP/1.1 101 UPGRADED"));
  for (int i = 0; i < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(600));  // 3x every timeout
    ASSERT_TRUE(c.Send("ping"));
    std::string r = c.ReadUntil(
        [](const std::string& s) { return s.find("echo:ping") != std::string::npos; },
        std::chrono::seconds(3));
    EXPECT_THAT(r, HasSubstr("echo:ping"));
    c.received().clear();
  }
}

TEST_F(HttpServerTest, SlowChunkedResponseOutlivesEveryTimeout) {
  HttpServerOptions options;
  options.header_timeout = absl::Milliseconds(200);
  options.idle_timeout = absl::Milliseconds(200);
  Start(options);
  Client c(path_);
  ASSERT_TRUE(c.Send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::string r = c.ReadUntil(
      [](const std::string& s) { return s.find("\r\n0\r\n\r\n") != std::string::npos; },
      std::chrono::seconds(5));
  EXPECT_THAT(r, HasSubstr("late"));
  EXPECT_THAT(r, HasSubstr("\r\n0\r\n\r\n"));
}

}  // namespace
}  // namespace berth::apid::rest
