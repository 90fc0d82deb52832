#pragma once

// The OCI image configuration (the JSON document whose digest is the image id)
// as a plain struct, with a stable serializer and a tolerant parser.
// https://github.com/opencontainers/image-spec/blob/main/config.md

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace berth::imaged::metadata {

// Docker's HEALTHCHECK (durations in nanoseconds, 0 = the default). `test`
// is ["NONE"], ["CMD", args...] or ["CMD-SHELL", command].
struct HealthConfig {
  std::vector<std::string> test;
  int64_t interval_ns = 0;
  int64_t timeout_ns = 0;
  int64_t start_period_ns = 0;
  int64_t start_interval_ns = 0;
  int retries = 0;

  bool operator==(const HealthConfig&) const = default;
};

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
  // Docker's additions (written by the builder): VOLUME, SHELL, ONBUILD, HEALTHCHECK.
  std::vector<std::string> volumes;  // kept sorted and unique
  std::vector<std::string> shell;
  std::vector<std::string> on_build;
  std::optional<HealthConfig> healthcheck;

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
