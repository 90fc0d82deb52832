#pragma once

#include <string>
#include <vector>

// Coexistence with Docker's iptables-nft rules: Docker sets the FORWARD
// chain of table `ip filter` to policy drop and sends every forwarded packet
// through its DOCKER-USER chain first. nftables evaluates every base chain of
// a hook, so an accept in Berth's own table cannot override that drop; the
// documented place for other software's accepts is DOCKER-USER. Pure
// rendering here; NetworkManager lists the chain and loads the script.
namespace berth::netd::firewall {

// The tag of this stack's rules in DOCKER-USER: comment "berth:<table>".
std::string DockerUserTag(const std::string& nft_table);

// Handles of the rules in `listing` (`nft -a list chain ip filter
// DOCKER-USER` output) that carry `tag`.
std::vector<int> TaggedRuleHandles(const std::string& listing, const std::string& tag);

// One transaction: deletes the rules with `stale_handles`, then inserts, at
// the top of DOCKER-USER, `iifname B accept` and `oifname B accept` for each
// of `bridges`, tagged. Berth's own `forward` chain still drops what it
// drops (isolation, the guard against forwarding into a bridge), since a drop
// in any base chain is final. Empty `bridges` only deletes.
std::string RenderDockerUserScript(const std::vector<int>& stale_handles,
                                   const std::vector<std::string>& bridges,
                                   const std::string& tag);

}  // namespace berth::netd::firewall
