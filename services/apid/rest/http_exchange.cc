#include "services/apid/rest/http_exchange.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/status/status.h"

namespace berth::apid::rest {
namespace {

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

}  // namespace

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

absl::StatusOr<std::string> Exchange::ReadAll(size_t limit) {
  std::string all;
  while (true) {
    absl::StatusOr<std::string> part = ReadSome(64 * 1024);
    if (!part.ok()) return part.status();
    if (part->empty()) return all;
    all += *part;
    if (all.size() > limit) return absl::InvalidArgumentError("request body too large");
  }
}

absl::StatusOr<std::string> Exchange::ReadSome(size_t max) {
  std::string out;
  while (out.empty() && !parser_.is_done()) {
    out.resize(max);
    parser_.get().body().data = out.data();
    parser_.get().body().size = max;
    parser_.get().body().more = true;
    absl::Status s = FeedParser(max);
    out.resize(max - parser_.get().body().size);
    if (!s.ok()) return s;
  }
  return out;
}

absl::Status Exchange::Send(int status, const Headers& headers, std::string_view body) {
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

absl::Status Exchange::BeginChunked(int status, const Headers& headers) {
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

absl::Status Exchange::WriteChunk(std::string_view data) {
  if (data.empty()) return absl::OkStatus();  // an empty chunk would end the body
  beast::error_code ec;
  asio::write(socket_, http::make_chunk(asio::const_buffer(data.data(), data.size())), ec);
  if (ec) return absl::UnavailableError("client gone: " + ec.message());
  return absl::OkStatus();
}

absl::Status Exchange::EndChunked() {
  beast::error_code ec;
  asio::write(socket_, http::make_chunk_last(), ec);
  complete_ = !ec;
  if (ec) return absl::UnavailableError("client gone: " + ec.message());
  return absl::OkStatus();
}

absl::StatusOr<RawStream*> Exchange::Hijack(const Headers& headers) {
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

// RawStream. Plain syscalls on the descriptor: a reader and a writer thread
// use it at once, which Asio's socket object does not allow. Asio may have
// made the descriptor non-blocking, hence the poll() before each call.
std::string Exchange::Read(size_t max) {
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

bool Exchange::Write(std::string_view data) {
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

// Hands buffered and newly received bytes to the parser until some body
// bytes land in the body buffer (`size` bytes free at the start), the body
// ends, or it fails. Beast's blocking read cannot time out, so the reads
// are poll() + recv() here, each wait bounded by body_read_timeout_: a
// client that stalls mid-body costs a worker thread only that long.
absl::Status Exchange::FeedParser(size_t size) {
  bool need_bytes = buffer_.size() == 0;
  while (true) {
    if (need_bytes) {
      BERTH_RETURN_IF_ERROR(ReceiveSome());
      if (buffer_.size() == 0) {  // EOF
        beast::error_code ec;
        parser_.put_eof(ec);
        if (ec || !parser_.is_done()) {
          return absl::UnavailableError("client closed the connection in the request body");
        }
        return absl::OkStatus();
      }
    }
    beast::error_code ec;
    size_t used = parser_.put(buffer_.data(), ec);
    buffer_.consume(used);
    if (ec == http::error::need_buffer) return absl::OkStatus();  // body buffer full
    if (ec == http::error::need_more) {
      need_bytes = true;
      continue;
    }
    if (ec) return absl::InvalidArgumentError("malformed request body: " + ec.message());
    if (parser_.is_done() || parser_.get().body().size < size) return absl::OkStatus();
    // A chunk header or similar was parsed: go on with what is buffered.
    need_bytes = used == 0 || buffer_.size() == 0;
  }
}

// Appends what the socket has to buffer_; appends nothing at EOF.
absl::Status Exchange::ReceiveSome() {
  const int fd = socket_.native_handle();
  const auto deadline =
      std::chrono::steady_clock::now() + absl::ToChronoMilliseconds(body_read_timeout_);
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      body_timed_out_ = true;
      return absl::DeadlineExceededError(
          absl::StrCat("no request body data for ", absl::FormatDuration(body_read_timeout_)));
    }
    pollfd p{fd, POLLIN, 0};
    int ready = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 1 << 30)));
    if (ready < 0 && errno != EINTR) {
      return absl::UnavailableError(absl::StrCat("poll: ", std::strerror(errno)));
    }
    if (ready <= 0) continue;
    auto space = buffer_.prepare(64 * 1024);
    ssize_t n = ::recv(fd, space.data(), space.size(), MSG_DONTWAIT);
    if (n >= 0) {
      buffer_.commit(static_cast<size_t>(n));
      return absl::OkStatus();
    }
    if (errno != EAGAIN && errno != EINTR) {
      return absl::UnavailableError(
          absl::StrCat("reading the request body: ", std::strerror(errno)));
    }
  }
}

std::unique_ptr<DisconnectWatch> Exchange::WatchDisconnect(std::function<void()> on_gone) {
  return std::make_unique<PollDisconnectWatch>(socket_.native_handle(), std::move(on_gone));
}

}  // namespace berth::apid::rest
