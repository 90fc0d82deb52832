#include "services/imaged/registry/auth.h"

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace berth::imaged::registry {

absl::StatusOr<Credentials> DecodeRegistryAuth(const std::string& header) {
  Credentials credentials;
  std::string encoded(absl::StripAsciiWhitespace(header));
  if (encoded.empty()) return credentials;
  // The docker CLI sends URL-safe base64; older clients and docker-py the
  // standard alphabet. Padding may or may not be present.
  while (!encoded.empty() && encoded.back() == '=') encoded.pop_back();
  std::string json;
  bool decoded = absl::WebSafeBase64Unescape(encoded, &json);
  if (!decoded) decoded = absl::Base64Unescape(encoded, &json);
  if (!decoded) {
    return absl::InvalidArgumentError("invalid X-Registry-Auth header: not base64");
  }
  nlohmann::json parsed = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) {
    return absl::InvalidArgumentError("invalid X-Registry-Auth header: not a JSON object");
  }
  auto field = [&parsed](const char* name) {
    auto it = parsed.find(name);
    return it != parsed.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  credentials.username = field("username");
  credentials.password = field("password");
  credentials.identity_token = field("identitytoken");
  credentials.registry_token = field("registrytoken");
  return credentials;
}

absl::StatusOr<Challenge> ParseChallenge(const std::string& header) {
  Challenge challenge;
  absl::string_view rest = absl::StripAsciiWhitespace(header);
  size_t space = rest.find(' ');
  challenge.scheme = absl::AsciiStrToLower(rest.substr(0, space));
  if (challenge.scheme.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("malformed WWW-Authenticate '", header, "'"));
  }
  if (space == absl::string_view::npos) return challenge;
  rest.remove_prefix(space + 1);
  while (!rest.empty()) {
    rest = absl::StripLeadingAsciiWhitespace(rest);
    size_t eq = rest.find('=');
    if (eq == absl::string_view::npos) break;
    std::string key = absl::AsciiStrToLower(absl::StripAsciiWhitespace(rest.substr(0, eq)));
    rest.remove_prefix(eq + 1);
    std::string value;
    if (!rest.empty() && rest.front() == '"') {
      size_t i = 1;
      for (; i < rest.size() && rest[i] != '"'; ++i) {
        if (rest[i] == '\\' && i + 1 < rest.size()) ++i;
        value.push_back(rest[i]);
      }
      rest.remove_prefix(std::min(rest.size(), i + 1));
    } else {
      size_t comma = rest.find(',');
      value = std::string(absl::StripAsciiWhitespace(rest.substr(0, comma)));
      rest.remove_prefix(comma == absl::string_view::npos ? rest.size() : comma);
    }
    challenge.params[key] = value;
    rest = absl::StripLeadingAsciiWhitespace(rest);
    if (!rest.empty() && rest.front() == ',') rest.remove_prefix(1);
  }
  return challenge;
}

std::string BasicAuthorization(const Credentials& credentials) {
  return absl::StrCat("Basic ",
                      absl::Base64Escape(absl::StrCat(credentials.username, ":",
                                                      credentials.password)));
}

}  // namespace berth::imaged::registry
