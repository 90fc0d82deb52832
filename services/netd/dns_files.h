#pragma once

#include <string>
#include <vector>

// Content of a container's /etc/hosts and /etc/resolv.conf. Pure: netd
// returns the text; runtimed writes and bind-mounts the files.
namespace berth::netd {

// A container's own resolver settings (docker run --dns, --dns-search,
// --dns-option). An empty list keeps what the host's resolv.conf says.
struct DnsSettings {
  std::vector<std::string> servers;
  std::vector<std::string> search;
  std::vector<std::string> options;
  bool operator==(const DnsSettings&) const = default;
};

// One extra /etc/hosts line: --add-host, or a --link ("<ip>\t<names>").
struct HostEntry {
  std::string ip;
  std::string names;  // space-separated
  bool operator==(const HostEntry&) const = default;
};

// Docker's /etc/hosts: the localhost and IPv6 lines, the extra entries
// (--add-host, --link) in order, then "<ip>\t<hostname>" when the container
// has an address (not for network mode "none") and a hostname.
std::string RenderHosts(const std::string& ip_address, const std::string& hostname,
                        const std::vector<HostEntry>& extra = {});

// /etc/resolv.conf from the host's `host_resolv_conf`, as Docker does:
// nameservers the container cannot reach (loopback, e.g. systemd-resolved's
// 127.0.0.53, and IPv6, since containers get no IPv6 address) are dropped;
// search/options lines are kept. Non-empty `dns_servers` (netd's
// --dns_servers) replace the host's nameservers, and the container's own
// settings replace nameservers, search and options lines in turn. When no
// nameserver remains, a comment says so; unlike Docker netd does not fall
// back to public resolvers, because a test stack must never send queries off
// the machine.
std::string RenderResolvConf(const std::string& host_resolv_conf,
                             const std::vector<std::string>& dns_servers,
                             const DnsSettings& container = {});

// The nameservers netd forwards to for names its embedded DNS does not know:
// `dns_servers` when set, else the usable ones of the host's resolv.conf.
std::vector<std::string> UpstreamNameservers(const std::string& host_resolv_conf,
                                             const std::vector<std::string>& dns_servers);

// /etc/resolv.conf of a container on a user network: the embedded server
// 127.0.0.11, the search lines (the container's --dns-search, else the
// host's), the container's --dns-option, and Docker's ndots:0 unless an
// ndots option was given.
std::string RenderEmbeddedResolvConf(const std::string& host_resolv_conf,
                                     const DnsSettings& container = {});

}  // namespace berth::netd
