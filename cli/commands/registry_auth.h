// Registry credentials on the client side, in Docker's config.json format
// ($DOCKER_CONFIG/config.json, else ~/.docker/config.json), so `berth` and
// the docker CLI share logins: {"auths": {"127.0.0.1:5000": {"auth":
// base64("user:password")}}}. Credential helpers (credsStore, credHelpers)
// are not run: an entry that needs one is an error, never a silent
// anonymous request.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace berth::cli {

// The config.json key of the registry an image reference names: its host
// ("127.0.0.1:5000"), or Docker Hub's "https://index.docker.io/v1/".
std::string RegistryKeyOfImage(const std::string& image);
// The same for a login server argument ("" = Docker Hub; "http://h/" → "h").
std::string RegistryKeyOfServer(const std::string& server);

// Docker's X-Registry-Auth value (base64url JSON) for `registry_key`; "" when
// config.json has no entry for it.
absl::StatusOr<std::string> RegistryAuthFor(const std::string& registry_key);

// X-Registry-Auth value for explicit credentials.
std::string EncodeRegistryAuth(const std::string& username, const std::string& password,
                               const std::string& server);

// Adds or replaces the entry (written atomically, mode 0600).
absl::Status StoreCredentials(const std::string& registry_key, const std::string& username,
                              const std::string& password);
// Removes the entry; NotFound when there was none.
absl::Status EraseCredentials(const std::string& registry_key);

}  // namespace berth::cli
