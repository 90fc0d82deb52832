#include "services/imaged/registry/registry_config.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace berth::imaged::registry {
namespace {

constexpr char kLoopbackWord[] = "loopback";

std::vector<std::string> SplitList(const std::string& list) {
  std::vector<std::string> out;
  for (absl::string_view part : absl::StrSplit(list, ',', absl::SkipWhitespace())) {
    out.emplace_back(absl::StripAsciiWhitespace(part));
  }
  return out;
}

// "host:port" → "host"; "[::1]:5000" → "[::1]".
std::string HostOnly(const std::string& host) {
  if (absl::StartsWith(host, "[")) {
    size_t end = host.find(']');
    return end == std::string::npos ? host : host.substr(0, end + 1);
  }
  size_t colon = host.rfind(':');
  return colon == std::string::npos ? host : host.substr(0, colon);
}

bool ValidHostEntry(const std::string& host) {
  if (host.empty() || host == kLoopbackWord) return !host.empty();
  for (char c : host) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' &&
        c != ':' && c != '[' && c != ']') {
      return false;
    }
  }
  return true;
}

}  // namespace

absl::StatusOr<RegistryOptions> ParseRegistryFlags(const std::string& allowed,
                                                   const std::string& mirrors,
                                                   const std::string& insecure,
                                                   const std::string& ca_file) {
  RegistryOptions options;
  options.ca_file = ca_file;
  for (const std::string& host : SplitList(allowed)) {
    if (!ValidHostEntry(host)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--allowed_registries: '", host, "' is not a host[:port] or 'loopback'"));
    }
    options.allowed.push_back(absl::AsciiStrToLower(host));
  }
  for (const std::string& entry : SplitList(mirrors)) {
    std::vector<std::string> kv = absl::StrSplit(entry, absl::MaxSplits('=', 1));
    if (kv.size() != 2 || kv[0].empty() || !ValidHostEntry(kv[1]) || kv[1] == kLoopbackWord) {
      return absl::InvalidArgumentError(
          absl::StrCat("--registry_mirrors: '", entry, "' is not domain=host[:port]"));
    }
    options.mirrors[absl::AsciiStrToLower(kv[0])] = absl::AsciiStrToLower(kv[1]);
  }
  for (const std::string& host : SplitList(insecure)) {
    if (!ValidHostEntry(host) || host == kLoopbackWord) {
      return absl::InvalidArgumentError(
          absl::StrCat("--insecure_registries: '", host, "' is not a host[:port]"));
    }
    options.insecure.push_back(absl::AsciiStrToLower(host));
  }
  return options;
}

bool IsLoopbackHost(const std::string& host_port) {
  std::string host = absl::AsciiStrToLower(HostOnly(host_port));
  if (host == "localhost" || host == "[::1]") return true;
  std::vector<std::string> octets = absl::StrSplit(host, '.');
  if (octets.size() != 4 || octets[0] != "127") return false;
  for (const std::string& o : octets) {
    int v = 0;
    if (o.empty() || o.size() > 3 || !absl::SimpleAtoi(o, &v) || v < 0 || v > 255) return false;
  }
  return true;
}

bool IsAllowed(const RegistryOptions& options, const std::string& host_port) {
  if (options.allowed.empty()) return true;
  std::string host = absl::AsciiStrToLower(host_port);
  for (const std::string& a : options.allowed) {
    if (a == kLoopbackWord ? IsLoopbackHost(host) : (a == host || a == HostOnly(host))) {
      return true;
    }
  }
  return false;
}

absl::StatusOr<Endpoint> ResolveEndpoint(const RegistryOptions& options,
                                         const std::string& domain) {
  Endpoint endpoint;
  endpoint.domain = domain;
  auto mirror = options.mirrors.find(absl::AsciiStrToLower(domain));
  if (mirror != options.mirrors.end()) {
    endpoint.host = mirror->second;
  } else {
    // docker.io names the Hub; its registry API lives on registry-1.
    endpoint.host = domain == "docker.io" ? "registry-1.docker.io" : domain;
  }
  if (!IsAllowed(options, endpoint.host)) {
    std::string via = mirror == options.mirrors.end() ? "" : absl::StrCat(" (mirror of ", domain, ")");
    return absl::PermissionDeniedError(absl::StrCat(
        "registry ", endpoint.host, via, " is not allowed (imaged flag --allowed_registries=",
        absl::StrJoin(options.allowed, ","), ")"));
  }
  bool insecure = IsLoopbackHost(endpoint.host) ||
                  std::find(options.insecure.begin(), options.insecure.end(),
                            absl::AsciiStrToLower(endpoint.host)) != options.insecure.end();
  endpoint.scheme = insecure ? "http" : "https";
  return endpoint;
}

}  // namespace berth::imaged::registry
