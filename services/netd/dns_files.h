#pragma once

#include <string>
#include <vector>

// Content of a container's /etc/hosts and /etc/resolv.conf. Pure: netd
// returns the text; runtimed writes and bind-mounts the files.
namespace berth::netd {

// Docker's /etc/hosts: the localhost and IPv6 lines, then "<ip>\t<hostname>"
// when the container has an address (not for network mode "none") and a
// hostname.
std::string RenderHosts(const std::string& ip_address, const std::string& hostname);

// /etc/resolv.conf from the host's `host_resolv_conf`, as Docker does:
// nameservers the container cannot reach (loopback, e.g. systemd-resolved's
// 127.0.0.53, and IPv6, since containers get no IPv6 address) are dropped;
// search/options lines are kept. Non-empty `dns_servers` replace the host's
// nameservers. When no nameserver remains, a comment says so; unlike Docker
// netd does not fall back to public resolvers, because a test stack must
// never send queries off the machine.
std::string RenderResolvConf(const std::string& host_resolv_conf,
                             const std::vector<std::string>& dns_servers);

// The nameservers netd forwards to for names its embedded DNS does not know:
// `dns_servers` when set, else the usable ones of the host's resolv.conf.
std::vector<std::string> UpstreamNameservers(const std::string& host_resolv_conf,
                                             const std::vector<std::string>& dns_servers);

// /etc/resolv.conf of a container on a user network: the embedded server
// 127.0.0.11, the host's search and options lines, and Docker's ndots:0.
std::string RenderEmbeddedResolvConf(const std::string& host_resolv_conf);

}  // namespace berth::netd
