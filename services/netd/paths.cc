#include "services/netd/paths.h"

#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace berth::netd {

std::string Paths::schema_version_file() const {
  return absl::StrCat(state_dir_, "/schema_version");
}
std::string Paths::networks_file() const { return absl::StrCat(state_dir_, "/networks.json"); }
std::string Paths::leases_file() const { return absl::StrCat(state_dir_, "/ipam/bridge.json"); }
std::string Paths::leases_file(const std::string& network_id) const {
  return absl::StrCat(state_dir_, "/ipam/", network_id, ".json");
}
std::string Paths::networks_dir() const { return absl::StrCat(state_dir_, "/networks"); }
std::string Paths::endpoints_dir() const { return absl::StrCat(state_dir_, "/endpoints"); }
std::string Paths::netns_dir() const { return absl::StrCat(run_dir_, "/netd/netns"); }
std::string Paths::host_netns_path() const { return absl::StrCat(netns_dir(), "/.host"); }
std::string Paths::netns_path(const std::string& container_id) const {
  return absl::StrCat(netns_dir(), "/", container_id);
}

absl::Status ValidateContainerId(const std::string& id) {
  bool ok = !id.empty() && id.size() <= 128 && id[0] != '.' && id[0] != '-';
  for (char c : id) {
    ok = ok && (absl::ascii_isalnum(c) || c == '_' || c == '.' || c == '-');
  }
  if (!ok) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid container id '", id, "': want 1..128 characters of [A-Za-z0-9_.-]"));
  }
  return absl::OkStatus();
}

std::string HostVethName(const std::string& container_id) {
  bool hex = container_id.size() >= 10;
  for (char c : container_id) {
    hex = hex && (absl::ascii_isdigit(c) || (c >= 'a' && c <= 'f'));
  }
  if (hex) return absl::StrCat("vb", container_id.substr(0, 10));
  // FNV-1a: stable across runs and builds (std::hash is not).
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : container_id) {
    hash = (hash ^ c) * 1099511628211ull;
  }
  return absl::StrCat("vb", absl::StrFormat("%010x", hash & 0xffffffffffull));
}

std::string HostVethName(const std::string& container_id, int index) {
  if (index == 0) return HostVethName(container_id);
  return absl::StrCat(HostVethName(container_id), "x", index);
}

}  // namespace berth::netd
