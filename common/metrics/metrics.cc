#include "common/metrics/metrics.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>

#include <prometheus/exposer.h>
#include <prometheus/registry.h>

#include "absl/strings/str_cat.h"
#include "common/fs/fs.h"
#include "common/metrics/process_collector.h"
#include "common/status/status.h"

namespace berth::metrics {

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(
    const std::string& address, const std::string& address_file) {
  std::unique_ptr<MetricsServer> server(new MetricsServer());
  server->registry_ = std::make_shared<prometheus::Registry>();
  try {
    server->exposer_ = std::make_unique<prometheus::Exposer>(address);
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve metrics on '", address, "': ", e.what()));
  }
  server->exposer_->RegisterCollectable(server->registry_);
  server->process_collector_ = std::make_shared<ProcessCollector>();
  server->exposer_->RegisterCollectable(server->process_collector_);
  std::string host = address.substr(0, address.rfind(':'));
  auto ports = server->exposer_->GetListeningPorts();
  server->bound_address_ = absl::StrCat(host, ":", ports.empty() ? 0 : ports.front());
  if (!address_file.empty()) {
    BERTH_RETURN_IF_ERROR(fs::WriteFileAtomically(address_file, server->bound_address_ + "\n"));
  }
  return server;
}

void MetricsServer::AddCollectable(std::shared_ptr<prometheus::Collectable> collectable) {
  exposer_->RegisterCollectable(collectable);
  extra_collectables_.push_back(std::move(collectable));
}

void MetricsServer::RemoveCollectable(const std::shared_ptr<prometheus::Collectable>& collectable) {
  exposer_->RemoveCollectable(collectable);
  std::erase(extra_collectables_, collectable);
}

namespace {

// Opens and closes a TCP connection to "host:port" (best effort).
void Poke(const std::string& address) {
  size_t colon = address.rfind(':');
  if (colon == std::string::npos) return;
  std::string host = address.substr(0, colon);
  if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(std::atoi(address.c_str() + colon + 1)));
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) return;
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  ::close(fd);
}

}  // namespace

MetricsServer::~MetricsServer() {
  // civetweb's master thread polls its listening socket with a 2 s timeout,
  // and stopping the exposer waits for that thread: every daemon exit took up
  // to 2 s. A connection wakes the poll at once, so poke until it is down.
  std::atomic<bool> stopped{false};
  std::thread waker([this, &stopped] {
    while (!stopped.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      Poke(bound_address_);
    }
  });
  exposer_.reset();
  stopped = true;
  waker.join();
}

}  // namespace berth::metrics
