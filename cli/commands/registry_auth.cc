#include "cli/commands/registry_auth.h"

#include <cstdlib>

#include <nlohmann/json.hpp>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/fs/fs.h"

namespace berth::cli {
namespace {

constexpr char kDockerHubKey[] = "https://index.docker.io/v1/";

std::string ConfigDir() {
  if (const char* dir = std::getenv("DOCKER_CONFIG"); dir != nullptr && *dir != '\0') return dir;
  const char* home = std::getenv("HOME");
  return absl::StrCat(home != nullptr ? home : "", "/.docker");
}

std::string ConfigPath() { return ConfigDir() + "/config.json"; }

absl::StatusOr<nlohmann::json> ReadConfig() {
  absl::StatusOr<std::string> text = fs::ReadFile(ConfigPath());
  if (absl::IsNotFound(text.status())) return nlohmann::json::object();
  if (!text.ok()) return text.status();
  nlohmann::json j = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(ConfigPath(), " is not a JSON object"));
  }
  return j;
}

bool IsHost(const std::string& component) {
  return absl::StrContains(component, '.') || absl::StrContains(component, ':') ||
         component == "localhost";
}

}  // namespace

std::string RegistryKeyOfImage(const std::string& image) {
  size_t slash = image.find('/');
  if (slash == std::string::npos) return kDockerHubKey;
  std::string first = image.substr(0, slash);
  if (!IsHost(first) || first == "docker.io" || first == "index.docker.io") return kDockerHubKey;
  return first;
}

std::string RegistryKeyOfServer(const std::string& server) {
  std::string host = server;
  for (const char* prefix : {"https://", "http://"}) {
    if (absl::StartsWith(host, prefix)) host = host.substr(std::string(prefix).size());
  }
  host = host.substr(0, host.find('/'));
  if (host.empty() || host == "docker.io" || host == "index.docker.io" ||
      host == "registry-1.docker.io") {
    return kDockerHubKey;
  }
  return host;
}

std::string EncodeRegistryAuth(const std::string& username, const std::string& password,
                               const std::string& server) {
  nlohmann::json auth = {
      {"username", username}, {"password", password}, {"serveraddress", server}};
  return absl::WebSafeBase64Escape(auth.dump());
}

absl::StatusOr<std::string> RegistryAuthFor(const std::string& registry_key) {
  absl::StatusOr<nlohmann::json> config = ReadConfig();
  if (!config.ok()) return config.status();
  if (auto helpers = config->find("credHelpers");
      helpers != config->end() && helpers->is_object() && helpers->contains(registry_key)) {
    return absl::FailedPreconditionError(absl::StrCat(
        ConfigPath(), " names a credential helper for ", registry_key,
        "; berth does not run credential helpers"));
  }
  auto auths = config->find("auths");
  if (auths == config->end() || !auths->is_object() || !auths->contains(registry_key)) {
    if (config->contains("credsStore")) {
      return absl::FailedPreconditionError(absl::StrCat(
          ConfigPath(), " keeps credentials in a credential store (credsStore); berth does not "
                        "run credential helpers"));
    }
    return std::string();
  }
  const nlohmann::json& entry = (*auths)[registry_key];
  if (!entry.is_object()) return std::string();
  if (entry.contains("identitytoken") && entry["identitytoken"].is_string()) {
    nlohmann::json auth = {{"identitytoken", entry["identitytoken"]},
                           {"serveraddress", registry_key}};
    return absl::WebSafeBase64Escape(auth.dump());
  }
  if (!entry.contains("auth") || !entry["auth"].is_string()) return std::string();
  std::string decoded;
  if (!absl::Base64Unescape(entry["auth"].get<std::string>(), &decoded) ||
      !absl::StrContains(decoded, ':')) {
    return absl::InvalidArgumentError(
        absl::StrCat(ConfigPath(), ": the auth of ", registry_key, " is not base64(user:password)"));
  }
  size_t colon = decoded.find(':');
  return EncodeRegistryAuth(decoded.substr(0, colon), decoded.substr(colon + 1), registry_key);
}

absl::Status StoreCredentials(const std::string& registry_key, const std::string& username,
                              const std::string& password) {
  absl::StatusOr<nlohmann::json> config = ReadConfig();
  if (!config.ok()) return config.status();
  if (config->contains("credsStore")) {
    return absl::FailedPreconditionError(absl::StrCat(
        ConfigPath(), " uses a credential store (credsStore); berth does not run credential "
                      "helpers"));
  }
  nlohmann::json& auths = (*config)["auths"];
  if (!auths.is_object()) auths = nlohmann::json::object();
  auths[registry_key] = {{"auth", absl::Base64Escape(username + ":" + password)}};
  if (absl::Status s = fs::MakeDirs(ConfigDir(), 0700); !s.ok()) return s;
  return fs::WriteFileAtomically(ConfigPath(), config->dump(1, '\t') + "\n", 0600);
}

absl::Status EraseCredentials(const std::string& registry_key) {
  absl::StatusOr<nlohmann::json> config = ReadConfig();
  if (!config.ok()) return config.status();
  auto auths = config->find("auths");
  if (auths == config->end() || !auths->is_object() || auths->erase(registry_key) == 0) {
    return absl::NotFoundError(absl::StrCat("Not logged in to ", registry_key));
  }
  return fs::WriteFileAtomically(ConfigPath(), config->dump(1, '\t') + "\n", 0600);
}

}  // namespace berth::cli
