#pragma once

#include <string>

#include "absl/status/status.h"

// Every on-disk path netd uses and every kernel object name it derives from
// a container id, computed in one place.
namespace berth::netd {

class Paths {
 public:
  Paths(std::string state_dir, std::string run_dir)
      : state_dir_(std::move(state_dir)), run_dir_(std::move(run_dir)) {}

  const std::string& state_dir() const { return state_dir_; }
  // <state>/schema_version: the state layout version ("1").
  std::string schema_version_file() const;
  // <state>/networks.json: the ids of the predefined networks.
  std::string networks_file() const;
  // <state>/ipam/bridge.json: the default network's leases.
  std::string leases_file() const;
  // <state>/ipam/<network id>.json: a user network's leases.
  std::string leases_file(const std::string& network_id) const;
  // <state>/networks/: one <network id>.json per user network.
  std::string networks_dir() const;
  // <state>/endpoints/: one <container id>.json per endpoint.
  std::string endpoints_dir() const;
  // <run>/netd/netns/: a private bind mount holding the namespace files.
  std::string netns_dir() const;
  // <run>/netd/netns/<id>: the container's namespace (the sandbox key).
  std::string netns_path(const std::string& container_id) const;
  // <run>/netd/netns/.host: netd's own (the host's) namespace, bound for
  // `--network host` containers. A leading '.' is never a container id.
  std::string host_netns_path() const;

 private:
  std::string state_dir_;
  std::string run_dir_;
};

// Container ids become file names and interface names, so they are checked:
// 1..128 characters of [A-Za-z0-9_.-], not starting with '.' or '-'.
// InvalidArgument otherwise.
absl::Status ValidateContainerId(const std::string& id);

// The host-side veth name: "vb" + the first 10 characters of a lowercase-hex
// (Docker-style) id, which is readable in `ip link`; for other ids "vb" + 10
// hex digits of a hash, because prefixes of names like "test-container-1"
// and "test-container-2" would collide. Always at most 15 characters
// (IFNAMSIZ - 1).
std::string HostVethName(const std::string& container_id);
// The host-side veth of the container's interface eth<index>: index 0 is
// HostVethName(id); others append "x<index>" (at most 15 characters for
// index < 100).
std::string HostVethName(const std::string& container_id, int index);

}  // namespace berth::netd
