#include "services/runtimed/paths.h"

#include <sys/un.h>

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace berth::runtimed {
namespace {

// FNV-1a: stable across builds and runs (the socket path must be the same
// after a runtimed restart).
uint64_t Fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

}  // namespace

Paths::Paths(std::string state_dir, std::string run_dir)
    : state_dir_(std::move(state_dir)), run_dir_(std::move(run_dir)) {}

std::string Paths::VersionFile() const { return state_dir_ + "/VERSION"; }
std::string Paths::EventsFile() const { return state_dir_ + "/events.jsonl"; }
std::string Paths::VolumesDir() const { return state_dir_ + "/volumes"; }
std::string Paths::ContainersDir() const { return state_dir_ + "/containers"; }
std::string Paths::ContainerDir(const std::string& id) const {
  return absl::StrCat(ContainersDir(), "/", id);
}
std::string Paths::RecordFile(const std::string& id) const {
  return ContainerDir(id) + "/record.json";
}
std::string Paths::ShimConfigFile(const std::string& id) const {
  return ContainerDir(id) + "/config.json";
}
std::string Paths::SeccompFile(const std::string& id) const {
  return ContainerDir(id) + "/seccomp.bpf";
}
std::string Paths::LogFile(const std::string& id) const {
  return absl::StrCat(ContainerDir(id), "/", id, "-json.log");
}
std::string Paths::ExitFile(const std::string& id) const { return ContainerDir(id) + "/exit.json"; }
std::string Paths::ShimLogFile(const std::string& id) const {
  return ContainerDir(id) + "/shim.log";
}
std::string Paths::RootfsDir(const std::string& id) const { return ContainerDir(id) + "/rootfs"; }
std::string Paths::BundleDir(const std::string& id) const { return ContainerDir(id) + "/oci"; }
std::string Paths::RuncRoot() const { return run_dir_ + "/runc"; }
std::string Paths::HostnameFile(const std::string& id) const {
  return ContainerDir(id) + "/hostname";
}
std::string Paths::HostsFile(const std::string& id) const { return ContainerDir(id) + "/hosts"; }
std::string Paths::ResolvConfFile(const std::string& id) const {
  return ContainerDir(id) + "/resolv.conf";
}

std::string Paths::ShimDir(const std::string& id) const {
  return absl::StrCat(run_dir_, "/runtimed/", id);
}

std::string Paths::ShimSocket(const std::string& id) const {
  std::string path = ShimDir(id) + "/shim.sock";
  if (path.size() < sizeof(sockaddr_un::sun_path)) return path;
  return absl::StrFormat("%s/runtimed/s/%016x.sock", run_dir_, Fnv1a(id));
}

}  // namespace berth::runtimed
