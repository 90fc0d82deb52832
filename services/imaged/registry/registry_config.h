#pragma once

// Which registries imaged may contact and how: an allow-list, mirrors per
// registry host and the hosts spoken to over plain HTTP. Pure (no I/O), so the
// decision "may this pull touch the network, and where" is unit-tested and is
// made before any name is resolved: a test stack passes
// --allowed_registries=loopback and a pull of "busybox" (docker.io) fails at
// once without a DNS lookup.

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::imaged::registry {

struct RegistryOptions {
  // Hosts ("host" or "host:port") that may be contacted. Empty = any host.
  // The word "loopback" admits 127.0.0.0/8, "localhost" and "[::1]" on any port.
  std::vector<std::string> allowed;
  // Registry domain → the registry that serves it instead ("docker.io" →
  // "127.0.0.1:5000"). The original host is never contacted when mirrored.
  std::map<std::string, std::string> mirrors;
  // Hosts spoken to over plain HTTP besides loopback ones.
  std::vector<std::string> insecure;
  // CA bundle for TLS registries; "" = the system's.
  std::string ca_file;
};

// Where the requests for one reference domain go.
struct Endpoint {
  std::string host;     // "127.0.0.1:5000", "registry-1.docker.io"
  std::string scheme;   // "http" or "https"
  std::string domain;   // the reference's domain ("docker.io")

  std::string BaseUrl() const { return scheme + "://" + host; }
};

// Parses the imaged flags: comma-separated lists; mirrors as "domain=host".
// InvalidArgument naming the flag for a malformed entry.
absl::StatusOr<RegistryOptions> ParseRegistryFlags(const std::string& allowed,
                                                   const std::string& mirrors,
                                                   const std::string& insecure,
                                                   const std::string& ca_file);

// True for "localhost", "127.x.y.z", "[::1]", each with an optional port.
bool IsLoopbackHost(const std::string& host);

// Whether `host` may be contacted under `options`.
bool IsAllowed(const RegistryOptions& options, const std::string& host);

// Resolves a reference domain to its endpoint: applies the mirror, maps
// docker.io to registry-1.docker.io, picks the scheme, and refuses with
// PermissionDenied (naming the flag) a host the allow-list does not admit.
absl::StatusOr<Endpoint> ResolveEndpoint(const RegistryOptions& options, const std::string& domain);

}  // namespace berth::imaged::registry
