#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "common/fs/fs.h"
#include "services/netd/dns/names.h"

namespace berth::netd::dns {

// The embedded DNS server, as Docker runs it: one UDP socket per container,
// created inside the container's network namespace on 127.0.0.11:53 (netd
// makes it; see NetnsOps::OpenUdpSocket), all served by one thread of netd.
// A query for a name of a container sharing a user network is answered from
// `resolver` (A records; an empty NOERROR for other types, so a client asking
// AAAA first does not give up). Any other name is forwarded to the asking
// container's own --dns servers (NameAnswer::upstreams), else to
// `upstreams`, trying at most kMaxUpstreams in order, 2 s each, from netd's
// own namespace on a short-lived thread (at most kMaxForwards at once), or
// answered SERVFAIL when there is none or none answers.
class DnsServer {
 public:
  using Resolver = std::function<NameAnswer(const std::string& container_id,
                                            const std::string& name)>;
  static constexpr int kMaxForwards = 16;
  static constexpr size_t kMaxUpstreams = 3;  // resolv.conf's MAXNS

  DnsServer(Resolver resolver, std::vector<std::string> upstreams);
  ~DnsServer();

  // Starts the serving thread. Internal error when the wake-up pipe cannot
  // be made.
  absl::Status Start();

  // Serves `socket` for the container (replacing an earlier one).
  void Serve(const std::string& container_id, fs::ScopedFd socket);
  // Stops serving the container; when it returns, the serving thread has let
  // go of the socket, so it is closed. OK when unknown.
  void Stop(const std::string& container_id);
  bool Serving(const std::string& container_id);

  // The reply to one packet from a container, or "" with *forward = true
  // when it must go to *upstreams (exposed for tests).
  std::string Answer(const std::string& container_id, const std::string& packet, bool* forward,
                     std::vector<std::string>* upstreams);

 private:
  void Loop();
  void Wake();
  void Forward(std::shared_ptr<fs::ScopedFd> socket, std::string packet, std::string peer,
               std::vector<std::string> upstreams);

  Resolver resolver_;
  std::vector<std::string> upstreams_;
  fs::ScopedFd wake_read_, wake_write_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> forwards_{0};

  absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<fs::ScopedFd>> sockets_ ABSL_GUARDED_BY(mu_);
  // Bumped by Stop; the loop publishes the generation whose socket set it
  // polls, after dropping the previous set.
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t polled_generation_ ABSL_GUARDED_BY(mu_) = 0;
  bool running_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace berth::netd::dns
