#pragma once

// Registry credentials and authentication challenges. Credentials arrive with
// each request as Docker sends them (X-Registry-Auth: base64url JSON) and live
// only as long as that request: imaged never stores them.

#include <map>
#include <string>

#include "absl/status/statusor.h"

namespace berth::imaged::registry {

struct Credentials {
  std::string username;
  std::string password;
  std::string identity_token;  // OAuth refresh token (docker login with a token)
  std::string registry_token;  // a bearer token to send as is

  bool empty() const {
    return username.empty() && password.empty() && identity_token.empty() &&
           registry_token.empty();
  }
};

// Decodes Docker's X-Registry-Auth header: base64 (URL-safe or standard,
// padded or not) of {"username","password","serveraddress","identitytoken",
// "registrytoken"}. An empty header (or "{}") is anonymous. InvalidArgument
// for undecodable input, as Docker's "invalid X-Registry-Auth header".
absl::StatusOr<Credentials> DecodeRegistryAuth(const std::string& header);

// A WWW-Authenticate challenge: `Bearer realm="...",service="...",scope="..."`.
struct Challenge {
  std::string scheme;  // lowercase: "bearer", "basic"
  std::map<std::string, std::string> params;  // keys lowercase
};

// Parses one challenge (quoted values may contain commas and \-escapes).
// InvalidArgument for a header without a scheme.
absl::StatusOr<Challenge> ParseChallenge(const std::string& header);

// "Basic base64(user:password)".
std::string BasicAuthorization(const Credentials& credentials);

}  // namespace berth::imaged::registry
