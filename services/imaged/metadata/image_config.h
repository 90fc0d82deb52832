#pragma once

// The OCI image configuration (the JSON document whose digest is the image id)
// as a plain struct, with a stable serializer and a tolerant parser.
// https://github.com/opencontainers/image-spec/blob/main/config.md

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace berth::imaged::metadata {

// The runtime defaults of an image (OCI "config").
struct ImageConfig {
  std::vector<std::string> env;
  std::vector<std::string> cmd;
  std::vector<std::string> entrypoint;
  std::string working_dir;
  std::string user;
  std::vector<std::string> exposed_ports;  // "80/tcp", kept sorted and unique
  std::map<std::string, std::string> labels;
  std::string stop_signal;
  std::vector<std::string> volumes;  // VOLUME paths, kept sorted and unique

  bool operator==(const ImageConfig&) const = default;
};

struct HistoryEntry {
  absl::Time created = absl::UnixEpoch();
  std::string created_by;
  std::string comment;
  bool empty_layer = false;
};

// A whole OCI image config document.
struct OciImage {
  std::string architecture = "amd64";
  std::string os = "linux";
  absl::Time created = absl::UnixEpoch();
  std::string author;
  std::string comment;  // Docker's top-level "comment" (the import/commit message)
  ImageConfig config;
  std::vector<std::string> diff_ids;  // bottom layer first
  std::vector<HistoryEntry> history;
};

// Serializes to compact JSON with sorted keys: the same struct always yields
// the same bytes, so the digest (the image id) is reproducible.
std::string SerializeOciImage(const OciImage& image);

// Parses an OCI image config. Unknown fields are ignored; InvalidArgument for
// malformed JSON or wrongly typed known fields.
absl::StatusOr<OciImage> ParseOciImage(const std::string& json);

// RFC 3339 with nanoseconds in UTC, as Docker writes "created".
std::string FormatRfc3339(absl::Time t);

}  // namespace berth::imaged::metadata
