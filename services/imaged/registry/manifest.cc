#include "services/imaged/registry/manifest.h"

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"

namespace berth::imaged::registry {
namespace {

bool IsImageManifestType(const std::string& t) { return t == kDockerManifest || t == kOciManifest; }
bool IsIndexType(const std::string& t) { return t == kDockerManifestList || t == kOciIndex; }

bool IsSupportedLayerType(const std::string& t) {
  return t == kDockerLayerGzip || t == kOciLayerTar || t == kOciLayerGzip || t == kOciLayerZstd ||
         t == "application/vnd.docker.image.rootfs.diff.tar";
}

absl::StatusOr<Descriptor> ParseDescriptor(const nlohmann::json& j, const char* what) {
  if (!j.is_object()) return absl::InvalidArgumentError(absl::StrCat("manifest: ", what, " is not an object"));
  Descriptor d;
  if (auto it = j.find("mediaType"); it != j.end() && it->is_string()) d.media_type = *it;
  if (auto it = j.find("digest"); it != j.end() && it->is_string()) d.digest = *it;
  if (!IsValidDigest(d.digest)) {
    return absl::InvalidArgumentError(
        absl::StrCat("manifest: ", what, " has an invalid digest '", d.digest, "'"));
  }
  auto size = j.find("size");
  if (size == j.end() || !size->is_number_integer() || size->get<int64_t>() < 0) {
    return absl::InvalidArgumentError(absl::StrCat("manifest: ", what, " has no valid size"));
  }
  d.size = size->get<int64_t>();
  if (auto p = j.find("platform"); p != j.end() && p->is_object()) {
    d.os = p->value("os", "");
    d.architecture = p->value("architecture", "");
    d.variant = p->value("variant", "");
  }
  if (auto a = j.find("annotations"); a != j.end() && a->is_object()) {
    for (auto it = a->begin(); it != a->end(); ++it) {
      if (it.value().is_string()) d.annotations[it.key()] = it.value().get<std::string>();
    }
  }
  return d;
}

}  // namespace

std::string ManifestAccept() {
  return absl::StrJoin({kDockerManifest, kDockerManifestList, kOciManifest, kOciIndex}, ", ");
}

absl::StatusOr<std::string> LayerMediaTypeFromMagic(std::string_view head) {
  auto starts = [&](std::string_view magic) { return head.substr(0, magic.size()) == magic; };
  if (starts("\x1f\x8b")) return std::string(kOciLayerGzip);
  if (starts("\x28\xb5\x2f\xfd")) return std::string(kOciLayerZstd);
  if (starts("BZh")) {
    return absl::FailedPreconditionError(
        "a bzip2-compressed layer cannot be pushed or saved (only tar, gzip or zstd)");
  }
  if (starts("\xfd" "7zXZ")) {
    return absl::FailedPreconditionError(
        "an xz-compressed layer cannot be pushed or saved (only tar, gzip or zstd)");
  }
  return std::string(kOciLayerTar);
}

bool IsValidDigest(const std::string& digest) {
  if (!absl::StartsWith(digest, "sha256:") || digest.size() != 71) return false;
  for (char c : digest.substr(7)) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

absl::StatusOr<Manifest> ParseManifest(const std::string& body, const std::string& content_type) {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return absl::InvalidArgumentError("manifest is not a JSON object");
  Manifest m;
  std::string header_type(absl::StripAsciiWhitespace(content_type.substr(0, content_type.find(';'))));
  std::string own_type;
  if (auto it = j.find("mediaType"); it != j.end() && it->is_string()) own_type = *it;
  if (!own_type.empty() && !header_type.empty() && header_type != own_type &&
      (IsImageManifestType(header_type) || IsIndexType(header_type))) {
    return absl::InvalidArgumentError(absl::StrCat("manifest media type '", own_type,
                                                   "' does not match its Content-Type '",
                                                   header_type, "'"));
  }
  m.media_type = own_type.empty() ? header_type : own_type;
  // An OCI manifest may omit mediaType; recognize it by its shape.
  if (m.media_type.empty() || m.media_type == "application/json") {
    if (j.contains("manifests")) m.media_type = kOciIndex;
    else if (j.contains("config")) m.media_type = kOciManifest;
  }
  if (auto v = j.find("schemaVersion"); v == j.end() || *v != 2) {
    return absl::InvalidArgumentError(
        "unsupported manifest schema version (only schema 2 / OCI manifests are supported)");
  }
  if (IsIndexType(m.media_type)) {
    m.is_index = true;
    auto list = j.find("manifests");
    if (list == j.end() || !list->is_array()) {
      return absl::InvalidArgumentError("manifest list has no manifests");
    }
    for (const auto& entry : *list) {
      absl::StatusOr<Descriptor> d = ParseDescriptor(entry, "manifest list entry");
      if (!d.ok()) return d.status();
      m.manifests.push_back(*std::move(d));
    }
    return m;
  }
  if (!IsImageManifestType(m.media_type)) {
    return absl::InvalidArgumentError(
        absl::StrCat("unsupported manifest media type '", m.media_type, "'"));
  }
  auto config = j.find("config");
  if (config == j.end()) return absl::InvalidArgumentError("manifest has no config");
  absl::StatusOr<Descriptor> cfg = ParseDescriptor(*config, "config");
  if (!cfg.ok()) return cfg.status();
  if (cfg->media_type != kDockerConfig && cfg->media_type != kOciConfig) {
    return absl::InvalidArgumentError(absl::StrCat("unsupported image config media type '",
                                                   cfg->media_type, "' (not a container image)"));
  }
  m.config = *std::move(cfg);
  auto layers = j.find("layers");
  if (layers == j.end() || !layers->is_array()) {
    return absl::InvalidArgumentError("manifest has no layers");
  }
  for (const auto& entry : *layers) {
    absl::StatusOr<Descriptor> d = ParseDescriptor(entry, "layer");
    if (!d.ok()) return d.status();
    if (!IsSupportedLayerType(d->media_type)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unsupported layer media type '", d->media_type, "' (layer ", d->digest, ")"));
    }
    m.layers.push_back(*std::move(d));
  }
  return m;
}

absl::StatusOr<Descriptor> SelectPlatform(const Manifest& index, const std::string& os,
                                          const std::string& architecture) {
  const Descriptor* found = nullptr;
  for (const Descriptor& d : index.manifests) {
    if (d.os != os || d.architecture != architecture) continue;
    if (!IsImageManifestType(d.media_type) && !d.media_type.empty()) continue;
    if (found == nullptr) found = &d;
  }
  if (found == nullptr) {
    return absl::NotFoundError(absl::StrCat("no matching manifest for ", os, "/", architecture,
                                            " in the manifest list entries"));
  }
  return *found;
}

std::string SerializeOciManifest(const Descriptor& config, const std::vector<Descriptor>& layers) {
  nlohmann::ordered_json j;
  j["schemaVersion"] = 2;
  j["mediaType"] = kOciManifest;
  j["config"] = {{"mediaType", config.media_type}, {"digest", config.digest}, {"size", config.size}};
  j["layers"] = nlohmann::ordered_json::array();
  for (const Descriptor& l : layers) {
    j["layers"].push_back({{"mediaType", l.media_type}, {"digest", l.digest}, {"size", l.size}});
  }
  return j.dump();
}

}  // namespace berth::imaged::registry
