#pragma once

#include <memory>
#include <set>
#include <string>
#include <tuple>

#include "services/netd/ports/port_reserver.h"

namespace berth::netd::ports::testing {

// In-memory PortReserver: ports in `taken_by_host` behave as bound by some
// other program; port 0 gets the next free port from 40000 on. A reservation
// frees its port when destroyed, like closing the real socket.
class FakePortReserver : public PortReserver {
 public:
  using Key = std::tuple<std::string, std::string, uint16_t>;  // protocol, ip, port

  absl::StatusOr<std::unique_ptr<PortReservation>> Reserve(const PortSpec& spec) override {
    PortSpec chosen = spec;
    if (chosen.host_port == 0) {
      chosen.host_port = next_ephemeral_;
      while (InUse(chosen)) ++chosen.host_port;
      next_ephemeral_ = chosen.host_port + 1;
    } else if (InUse(chosen)) {
      return PortAlreadyAllocated(chosen);
    }
    Key key{chosen.protocol, chosen.host_ip, chosen.host_port};
    state_->held.insert(key);
    return std::unique_ptr<PortReservation>(new Reservation(state_, key));
  }

  void TakeByHost(const std::string& protocol, const std::string& ip, uint16_t port) {
    state_->taken_by_host.insert({protocol, ip, port});
  }
  size_t held_count() const { return state_->held.size(); }

 private:
  struct State {
    std::set<Key> held;
    std::set<Key> taken_by_host;
  };
  class Reservation : public PortReservation {
   public:
    Reservation(std::shared_ptr<State> state, Key key) : state_(std::move(state)), key_(key) {}
    ~Reservation() override { state_->held.erase(key_); }
    uint16_t port() const override { return std::get<2>(key_); }

   private:
    std::shared_ptr<State> state_;
    Key key_;
  };

  bool InUse(const PortSpec& spec) const {
    for (const auto* set : {&state_->held, &state_->taken_by_host}) {
      for (const auto& [proto, ip, port] : *set) {
        if (Conflicts(spec, PortSpec{proto, ip, port, 1})) return true;
      }
    }
    return false;
  }

  std::shared_ptr<State> state_ = std::make_shared<State>();
  uint16_t next_ephemeral_ = 40000;
};

}  // namespace berth::netd::ports::testing
