#include "services/netd/dns_files.h"

#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace berth::netd {
namespace {

bool Unreachable(absl::string_view server) {
  return absl::StartsWith(server, "127.") || absl::StrContains(server, ":");
}

}  // namespace

std::string RenderHosts(const std::string& ip_address, const std::string& hostname,
                        const std::vector<HostEntry>& extra) {
  std::string out =
      "127.0.0.1\tlocalhost\n"
      "::1\tlocalhost ip6-localhost ip6-loopback\n"
      "fe00::0\tip6-localnet\n"
      "ff00::0\tip6-mcastprefix\n"
      "ff02::1\tip6-allnodes\n"
      "ff02::2\tip6-allrouters\n";
  for (const HostEntry& entry : extra) absl::StrAppend(&out, entry.ip, "\t", entry.names, "\n");
  if (!ip_address.empty() && !hostname.empty()) {
    absl::StrAppend(&out, ip_address, "\t", hostname, "\n");
  }
  return out;
}

std::string RenderResolvConf(const std::string& host_resolv_conf,
                             const std::vector<std::string>& dns_servers,
                             const DnsSettings& container) {
  const std::vector<std::string>& servers =
      container.servers.empty() ? dns_servers : container.servers;
  std::string out;
  int nameservers = 0;
  for (absl::string_view line : absl::StrSplit(host_resolv_conf, '\n', absl::SkipEmpty())) {
    absl::string_view trimmed = absl::StripAsciiWhitespace(line);
    std::vector<absl::string_view> words =
        absl::StrSplit(trimmed, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (!words.empty() && words[0] == "nameserver") {
      if (!servers.empty() || words.size() < 2 || Unreachable(words[1])) continue;
      ++nameservers;
    }
    if (!words.empty() && (words[0] == "search" || words[0] == "domain") &&
        !container.search.empty()) {
      continue;
    }
    if (!words.empty() && words[0] == "options" && !container.options.empty()) continue;
    absl::StrAppend(&out, trimmed, "\n");
  }
  if (!container.search.empty()) {
    absl::StrAppend(&out, "search ", absl::StrJoin(container.search, " "), "\n");
  }
  if (!container.options.empty()) {
    absl::StrAppend(&out, "options ", absl::StrJoin(container.options, " "), "\n");
  }
  for (const std::string& server : servers) {
    absl::StrAppend(&out, "nameserver ", server, "\n");
    ++nameservers;
  }
  if (nameservers == 0) {
    absl::StrAppend(&out,
                    "# berth: no usable nameserver (the host has none, or only loopback/IPv6 "
                    "ones); set netd --dns_servers\n");
  }
  return out;
}

std::vector<std::string> UpstreamNameservers(const std::string& host_resolv_conf,
                                             const std::vector<std::string>& dns_servers) {
  if (!dns_servers.empty()) return dns_servers;
  std::vector<std::string> out;
  for (absl::string_view line : absl::StrSplit(host_resolv_conf, '\n', absl::SkipEmpty())) {
    std::vector<absl::string_view> words =
        absl::StrSplit(absl::StripAsciiWhitespace(line), absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (words.size() >= 2 && words[0] == "nameserver" && !Unreachable(words[1])) {
      out.emplace_back(words[1]);
    }
  }
  return out;
}

std::string RenderEmbeddedResolvConf(const std::string& host_resolv_conf,
                                     const DnsSettings& container) {
  std::string out = "nameserver 127.0.0.11\n";
  if (container.search.empty()) {
    for (absl::string_view line : absl::StrSplit(host_resolv_conf, '\n', absl::SkipEmpty())) {
      absl::string_view trimmed = absl::StripAsciiWhitespace(line);
      if (absl::StartsWith(trimmed, "search") || absl::StartsWith(trimmed, "domain")) {
        absl::StrAppend(&out, trimmed, "\n");
      }
    }
  } else {
    absl::StrAppend(&out, "search ", absl::StrJoin(container.search, " "), "\n");
  }
  std::vector<std::string> options = container.options;
  bool ndots = false;
  for (const std::string& option : options) ndots = ndots || absl::StartsWith(option, "ndots:");
  if (!ndots) options.push_back("ndots:0");
  absl::StrAppend(&out, "options ", absl::StrJoin(options, " "), "\n");
  return out;
}

}  // namespace berth::netd
