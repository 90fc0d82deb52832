#include "services/netd/dns_files.h"

#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace berth::netd {
namespace {

bool Unreachable(absl::string_view server) {
  return absl::StartsWith(server, "127.") || absl::StrContains(server, ":");
}

}  // namespace

std::string RenderHosts(const std::string& ip_address, const std::string& hostname) {
  std::string out =
      "127.0.0.1\tlocalhost\n"
      "::1\tlocalhost ip6-localhost ip6-loopback\n"
      "fe00::0\tip6-localnet\n"
      "ff00::0\tip6-mcastprefix\n"
      "ff02::1\tip6-allnodes\n"
      "ff02::2\tip6-allrouters\n";
  if (!ip_address.empty() && !hostname.empty()) {
    absl::StrAppend(&out, ip_address, "\t", hostname, "\n");
  }
  return out;
}

std::string RenderResolvConf(const std::string& host_resolv_conf,
                             const std::vector<std::string>& dns_servers) {
  std::string out;
  int nameservers = 0;
  for (absl::string_view line : absl::StrSplit(host_resolv_conf, '\n', absl::SkipEmpty())) {
    absl::string_view trimmed = absl::StripAsciiWhitespace(line);
    std::vector<absl::string_view> words =
        absl::StrSplit(trimmed, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (!words.empty() && words[0] == "nameserver") {
      if (!dns_servers.empty() || words.size() < 2 || Unreachable(words[1])) continue;
      ++nameservers;
    }
    absl::StrAppend(&out, trimmed, "\n");
  }
  for (const std::string& server : dns_servers) {
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

std::string RenderEmbeddedResolvConf(const std::string& host_resolv_conf) {
  std::string out = "nameserver 127.0.0.11\n";
  for (absl::string_view line : absl::StrSplit(host_resolv_conf, '\n', absl::SkipEmpty())) {
    absl::string_view trimmed = absl::StripAsciiWhitespace(line);
    if (absl::StartsWith(trimmed, "search") || absl::StartsWith(trimmed, "domain")) {
      absl::StrAppend(&out, trimmed, "\n");
    }
  }
  absl::StrAppend(&out, "options ndots:0\n");
  return out;
}

}  // namespace berth::netd
