#pragma once

// Helpers shared by netd's root tests: shell commands, a greeter server inside
// a network namespace, and a loopback client.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <future>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace berth::netd::testing {

// Runs a shell command and returns its stdout and stderr.
inline std::string RunCommand(const std::string& command) {
  std::string output;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return "popen failed";
  char buf[512];
  while (size_t n = std::fread(buf, 1, sizeof(buf), pipe)) output.append(buf, n);
  ::pclose(pipe);
  return output;
}

// A TCP server on 0.0.0.0:<port> inside a network namespace that greets each
// client. Its thread joins the namespace with setns; nothing else moves.
class NetnsGreeter {
 public:
  absl::Status Start(const std::string& netns_path, uint16_t port) {
    std::promise<absl::Status> ready;
    auto ready_future = ready.get_future();
    thread_ = std::thread([this, netns_path, port, &ready]() {
      int ns = ::open(netns_path.c_str(), O_RDONLY | O_CLOEXEC);
      if (ns < 0 || ::setns(ns, CLONE_NEWNET) != 0) {
        ready.set_value(absl::InternalError("setns into " + netns_path));
        return;
      }
      ::close(ns);
      int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_port = htons(port);
      if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
          ::listen(fd, 8) != 0) {
        ::close(fd);
        ready.set_value(absl::InternalError("bind/listen in netns"));
        return;
      }
      ready.set_value(absl::OkStatus());
      while (!stop_) {
        pollfd pfd{fd, POLLIN, 0};
        if (::poll(&pfd, 1, 100) <= 0) continue;
        int client = ::accept(fd, nullptr, nullptr);
        if (client < 0) continue;
        const char kGreeting[] = "hello from the netns\n";
        (void)!::write(client, kGreeting, sizeof(kGreeting) - 1);
        ::close(client);
      }
      ::close(fd);
    });
    return ready_future.get();
  }
  ~NetnsGreeter() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::thread thread_;
  std::atomic<bool> stop_{false};
};

// Connects to ip:port and returns what the server sent, or an error text.
inline std::string ReadFrom(const std::string& ip, uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  ::inet_pton(AF_INET, ip.c_str(), &addr.sin_addr);
  std::string result;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    result = absl::StrCat("connect failed: ", std::strerror(errno));
  } else {
    char buf[128];
    ssize_t n = ::read(fd, buf, sizeof(buf));
    result = n > 0 ? std::string(buf, n) : absl::StrCat("read failed: ", std::strerror(errno));
  }
  ::close(fd);
  return result;
}

inline std::string ReadFromLoopback(uint16_t port) { return ReadFrom("127.0.0.1", port); }

// ReadFrom, from inside the network namespace at `netns_path`.
inline std::string ReadFromNetns(const std::string& netns_path, const std::string& ip,
                                 uint16_t port) {
  std::string result;
  std::thread client([&]() {
    int ns = ::open(netns_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (ns < 0 || ::setns(ns, CLONE_NEWNET) != 0) {
      result = "setns failed";
    } else {
      result = ReadFrom(ip, port);
    }
    if (ns >= 0) ::close(ns);
  });
  client.join();
  return result;
}

}  // namespace berth::netd::testing
