#pragma once

// Image manifests as registries serve them: Docker v2 schema 2 and OCI image
// manifests, Docker manifest lists and OCI indexes. Pure parsing and checks;
// the registry client fetches, this refuses what we must not trust.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::imaged::registry {

inline constexpr char kDockerManifest[] = "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr char kDockerManifestList[] =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr char kOciManifest[] = "application/vnd.oci.image.manifest.v1+json";
inline constexpr char kOciIndex[] = "application/vnd.oci.image.index.v1+json";
inline constexpr char kDockerConfig[] = "application/vnd.docker.container.image.v1+json";
inline constexpr char kOciConfig[] = "application/vnd.oci.image.config.v1+json";
inline constexpr char kDockerLayerGzip[] = "application/vnd.docker.image.rootfs.diff.tar.gzip";
inline constexpr char kOciLayerTar[] = "application/vnd.oci.image.layer.v1.tar";
inline constexpr char kOciLayerGzip[] = "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr char kOciLayerZstd[] = "application/vnd.oci.image.layer.v1.tar+zstd";

// The Accept header of a manifest request: every type we can read.
std::string ManifestAccept();

struct Descriptor {
  std::string media_type;
  std::string digest;  // "sha256:<64 hex>"
  int64_t size = 0;
  std::string os;            // index entries only
  std::string architecture;  // index entries only
  std::string variant;       // index entries only
  std::map<std::string, std::string> annotations;  // string values only
};

struct Manifest {
  bool is_index = false;
  std::string media_type;
  Descriptor config;               // image manifests
  std::vector<Descriptor> layers;  // image manifests, bottom first
  std::vector<Descriptor> manifests;  // indexes
};

// Parses `body`; `content_type` is the response's Content-Type (the
// manifest's own mediaType wins when present, and they must not disagree).
// InvalidArgument for an unknown or unsupported media type (schema 1
// included), a malformed digest, a negative size, a foreign layer or a layer
// type we cannot unpack.
absl::StatusOr<Manifest> ParseManifest(const std::string& body, const std::string& content_type);

// Picks the entry for os/architecture from an index (variant ignored unless
// several match). NotFound with Docker's text when there is none.
absl::StatusOr<Descriptor> SelectPlatform(const Manifest& index, const std::string& os,
                                          const std::string& architecture);

// The OCI media type of a layer blob from its first bytes: tar, gzip or
// zstd. FailedPrecondition for bzip2 and xz (registries and the OCI layout
// have no type for them).
absl::StatusOr<std::string> LayerMediaTypeFromMagic(std::string_view head);

// True for "sha256:" followed by 64 lowercase hex digits.
bool IsValidDigest(const std::string& digest);

// Serializes an OCI image manifest for push (stable key order).
std::string SerializeOciManifest(const Descriptor& config, const std::vector<Descriptor>& layers);

}  // namespace berth::imaged::registry
