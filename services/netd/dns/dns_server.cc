#include "services/netd/dns/dns_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "services/netd/dns/message.h"
#include "spdlog/spdlog.h"

namespace berth::netd::dns {
namespace {

constexpr size_t kMaxPacket = 4096;

}  // namespace

DnsServer::DnsServer(Resolver resolver, std::vector<std::string> upstreams)
    : resolver_(std::move(resolver)), upstreams_(std::move(upstreams)) {}

DnsServer::~DnsServer() {
  stopping_ = true;
  Wake();
  if (thread_.joinable()) thread_.join();
  {
    absl::MutexLock lock(&mu_);
    running_ = false;
  }
  // Forward threads are detached and hold their socket by shared_ptr; they
  // end within 2 s per upstream. Wait for them so none outlives the server.
  for (int i = 0; i < (2 * static_cast<int>(kMaxUpstreams) + 1) * 100 && forwards_ > 0; ++i) {
    ::usleep(10'000);
  }
}

absl::Status DnsServer::Start() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
    return absl::InternalError("dns server: cannot make its wake-up pipe");
  }
  wake_read_.reset(fds[0]);
  wake_write_.reset(fds[1]);
  {
    absl::MutexLock lock(&mu_);
    running_ = true;
  }
  thread_ = std::thread([this] { Loop(); });
  return absl::OkStatus();
}

void DnsServer::Wake() {
  if (wake_write_.valid()) (void)!::write(wake_write_.get(), "x", 1);
}

void DnsServer::Serve(const std::string& container_id, fs::ScopedFd socket) {
  {
    absl::MutexLock lock(&mu_);
    sockets_[container_id] = std::make_shared<fs::ScopedFd>(std::move(socket));
  }
  Wake();
}

void DnsServer::Stop(const std::string& container_id) {
  uint64_t wanted;
  {
    absl::MutexLock lock(&mu_);
    sockets_.erase(container_id);
    wanted = ++generation_;
    if (!running_) return;
  }
  Wake();
  absl::MutexLock lock(&mu_);
  auto caught_up = [this, wanted]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return polled_generation_ >= wanted || !running_;
  };
  mu_.Await(absl::Condition(&caught_up));
}

bool DnsServer::Serving(const std::string& container_id) {
  absl::MutexLock lock(&mu_);
  return sockets_.count(container_id) != 0;
}

std::string DnsServer::Answer(const std::string& container_id, const std::string& packet,
                              bool* forward, std::vector<std::string>* upstreams) {
  *forward = false;
  upstreams->clear();
  absl::StatusOr<Query> query = ParseQuery(packet);
  if (!query.ok()) return BuildFormatError(packet);
  NameAnswer answer = query->qclass == kClassIn ? resolver_(container_id, query->name)
                                                : NameAnswer{};
  if (!answer.known) {
    *upstreams = answer.upstreams.value_or(upstreams_);
    if (upstreams->empty()) return BuildResponse(*query, kRcodeServFail, {});
    *forward = true;
    return "";
  }
  // A known name: only A records exist (containers get no IPv6 address).
  return BuildResponse(*query, kRcodeNoError,
                       query->qtype == kTypeA ? answer.addresses : std::vector<uint32_t>{});
}

void DnsServer::Forward(std::shared_ptr<fs::ScopedFd> socket, std::string packet,
                        std::string peer, std::vector<std::string> upstreams) {
  std::string reply;
  // In order, as a stub resolver does; each gets 2 s.
  for (size_t i = 0; i < upstreams.size() && i < kMaxUpstreams && reply.empty(); ++i) {
    fs::ScopedFd upstream(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(53);
    if (!upstream.valid() || ::inet_pton(AF_INET, upstreams[i].c_str(), &to.sin_addr) != 1) {
      continue;
    }
    timeval timeout{2, 0};
    ::setsockopt(upstream.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    if (::sendto(upstream.get(), packet.data(), packet.size(), 0,
                 reinterpret_cast<sockaddr*>(&to), sizeof(to)) == static_cast<ssize_t>(packet.size())) {
      char buf[kMaxPacket];
      ssize_t n = ::recv(upstream.get(), buf, sizeof(buf), 0);
      if (n > 2 && PacketId(std::string(buf, 2)) == PacketId(packet)) reply.assign(buf, n);
    }
  }
  if (reply.empty()) {
    absl::StatusOr<Query> query = ParseQuery(packet);
    if (query.ok()) reply = BuildResponse(*query, kRcodeServFail, {});
  }
  if (!reply.empty()) {
    (void)::sendto(socket->get(), reply.data(), reply.size(), 0,
                   reinterpret_cast<const sockaddr*>(peer.data()),
                   static_cast<socklen_t>(peer.size()));
  }
  --forwards_;
}

void DnsServer::Loop() {
  std::vector<std::pair<std::string, std::shared_ptr<fs::ScopedFd>>> served;
  while (!stopping_) {
    std::vector<pollfd> fds{{wake_read_.get(), POLLIN, 0}};
    served.clear();  // closes the sockets Stop took out of sockets_
    {
      absl::MutexLock lock(&mu_);
      for (const auto& [id, socket] : sockets_) {
        served.push_back({id, socket});
        fds.push_back({socket->get(), POLLIN, 0});
      }
      polled_generation_ = generation_;
    }
    if (::poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) {
      spdlog::error("dns server: poll failed: {}", errno);
      absl::MutexLock lock(&mu_);
      running_ = false;
      return;
    }
    if (fds[0].revents & POLLIN) {
      char drain[64];
      while (::read(wake_read_.get(), drain, sizeof(drain)) > 0) {
      }
    }
    for (size_t i = 1; i < fds.size(); ++i) {
      if (!(fds[i].revents & POLLIN)) continue;
      const auto& [id, socket] = served[i - 1];
      char buf[kMaxPacket];
      sockaddr_storage peer{};
      socklen_t peer_len = sizeof(peer);
      ssize_t n = ::recvfrom(socket->get(), buf, sizeof(buf), MSG_DONTWAIT,
                             reinterpret_cast<sockaddr*>(&peer), &peer_len);
      if (n <= 0) continue;
      bool forward = false;
      std::vector<std::string> upstreams;
      std::string packet(buf, n);
      std::string reply = Answer(id, packet, &forward, &upstreams);
      if (forward) {
        if (forwards_ >= kMaxForwards) {
          absl::StatusOr<Query> query = ParseQuery(packet);
          if (query.ok()) reply = BuildResponse(*query, kRcodeServFail, {});
        } else {
          ++forwards_;
          std::thread(&DnsServer::Forward, this, socket, std::move(packet),
                      std::string(reinterpret_cast<char*>(&peer), peer_len),
                      std::move(upstreams))
              .detach();
          continue;
        }
      }
      if (!reply.empty()) {
        (void)::sendto(socket->get(), reply.data(), reply.size(), 0,
                       reinterpret_cast<sockaddr*>(&peer), peer_len);
      }
    }
  }
}

}  // namespace berth::netd::dns
