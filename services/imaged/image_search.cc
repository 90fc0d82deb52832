// ImageManager::Search: `docker search HOST/TERM` on a registry's catalog.
//
// Docker Hub's search is a v1 endpoint no OCI registry serves; Berth searches
// the registry named in the term through GET /v2/_catalog, under the same
// allow-list, mirrors and credentials as pulls. A term without a registry
// host names docker.io, which the catalog API does not cover: refused.
#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status/status.h"
#include "services/imaged/image_manager.h"
#include "services/imaged/registry/auth.h"

namespace berth::imaged {

absl::StatusOr<std::vector<std::string>> ImageManager::Search(const std::string& term, int limit,
                                                              const std::string& registry_auth) {
  if (limit <= 0) limit = 25;
  if (limit > 100) return absl::InvalidArgumentError("limit must be between 1 and 100");
  // Docker's rule for the first path component: a host when it has a dot or
  // a port, or is "localhost".
  size_t slash = term.find('/');
  std::string host = slash == std::string::npos ? "" : term.substr(0, slash);
  bool is_host = absl::StrContains(host, '.') || absl::StrContains(host, ':') || host == "localhost";
  if (!is_host) {
    return absl::InvalidArgumentError(
        "searching Docker Hub is not supported; search a registry by host: HOST[:PORT]/TERM");
  }
  const std::string query = term.substr(slash + 1);
  BERTH_ASSIGN_OR_RETURN(registry::Endpoint endpoint,
                         registry::ResolveEndpoint(options_.registry, host));
  BERTH_ASSIGN_OR_RETURN(registry::Credentials credentials,
                         registry::DecodeRegistryAuth(registry_auth));
  registry::RegistryClient client(options_.registry, endpoint, credentials, "");
  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> names, client.Catalog(1000));
  std::vector<std::string> found;
  for (const std::string& name : names) {
    if (!absl::StrContains(name, query)) continue;
    found.push_back(absl::StrCat(host, "/", name));
    if (static_cast<int>(found.size()) >= limit) break;
  }
  std::sort(found.begin(), found.end());
  return found;
}

}  // namespace berth::imaged
