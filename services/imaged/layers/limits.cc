#include "services/imaged/layers/limits.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <limits>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace berth::imaged::layers {
namespace {

// "12345 bytes (11.8 KiB)": exact for the log, readable for people.
std::string Bytes(int64_t n) {
  static constexpr std::array<const char*, 5> kUnits = {"KiB", "MiB", "GiB", "TiB", "PiB"};
  if (n < 1024) return absl::StrCat(n, " bytes");
  double v = static_cast<double>(n);
  size_t unit = 0;
  v /= 1024;
  while (v >= 1024 && unit + 1 < kUnits.size()) {
    v /= 1024;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f %s", v, kUnits[unit]);
  return absl::StrCat(n, " bytes (", buf, ")");
}

absl::Status Exceeded(const std::string& what, const std::string& limit_name, int64_t limit,
                      const std::string& flag, bool bytes = true) {
  return absl::ResourceExhaustedError(absl::StrCat(
      what, " exceeds the ", limit_name, " limit of ",
      bytes ? Bytes(limit) : absl::StrCat(limit), " (imaged flag --", flag, ")"));
}

}  // namespace

absl::Status ValidateLimits(const UnpackLimits& limits) {
  const std::pair<const char*, int64_t> all[] = {
      {"max_layer_bytes", limits.max_bytes},
      {"max_layer_entries", limits.max_entries},
      {"max_layer_file_bytes", limits.max_file_bytes},
      {"max_layer_apparent_file_bytes", limits.max_apparent_file_bytes},
  };
  for (const auto& [name, value] : all) {
    if (value <= 0) {
      return absl::InvalidArgumentError(absl::StrCat("--", name, " must be positive, not ", value));
    }
  }
  return absl::OkStatus();
}

int64_t MaxUploadBytes(const UnpackLimits& limits) {
  constexpr int64_t kMinSlack = int64_t{1} << 20;
  int64_t slack = std::max(limits.max_bytes / 64, kMinSlack);
  // Saturate instead of overflowing for absurd configured caps.
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  if (limits.max_bytes > kMax - slack) return kMax;
  return limits.max_bytes + slack;
}

absl::Status CheckUploadBytes(const UnpackLimits& limits, int64_t uploaded) {
  if (uploaded <= MaxUploadBytes(limits)) return absl::OkStatus();
  return Exceeded("the uploaded layer", "upload size", MaxUploadBytes(limits),
                  "max_layer_bytes");
}

absl::Status LimitTracker::AddStreamBytes(int64_t n) {
  stream_bytes_ += n;
  if (stream_bytes_ <= limits_.max_bytes) return absl::OkStatus();
  return Exceeded("the decompressed layer", "layer size", limits_.max_bytes, "max_layer_bytes");
}

absl::Status LimitTracker::AddEntry(const std::string& path) {
  ++entries_;
  if (entries_ <= limits_.max_entries) return absl::OkStatus();
  return Exceeded(absl::StrCat("the layer's entry count (at '", path, "')"), "entry count",
                  limits_.max_entries, "max_layer_entries", /*bytes=*/false);
}

absl::Status LimitTracker::CheckFileHeader(const std::string& path, int64_t apparent_size,
                                           bool sparse) {
  // A plain file's length is all content: report the content cap for it,
  // even when its length is over the apparent cap as well.
  if (!sparse && apparent_size > limits_.max_file_bytes) {
    return Exceeded(absl::StrCat("the size ", apparent_size, " of file '", path, "'"),
                    "file size", limits_.max_file_bytes, "max_layer_file_bytes");
  }
  if (apparent_size > limits_.max_apparent_file_bytes) {
    return Exceeded(absl::StrCat("the size ", apparent_size, " of ", sparse ? "sparse " : "",
                                 "file '", path, "'"),
                    "apparent file size", limits_.max_apparent_file_bytes,
                    "max_layer_apparent_file_bytes");
  }
  return absl::OkStatus();
}

absl::Status LimitTracker::CheckFileBlock(const std::string& path, int64_t offset, int64_t size,
                                          int64_t stored) {
  // The sparse map comes from the archive too: a block far beyond the
  // header's size would extend the file before the final truncate.
  if (offset < 0 || size < 0 || offset > limits_.max_apparent_file_bytes - size) {
    return Exceeded(absl::StrCat("a data block at offset ", offset, " of file '", path, "'"),
                    "apparent file size", limits_.max_apparent_file_bytes,
                    "max_layer_apparent_file_bytes");
  }
  if (stored > limits_.max_file_bytes) {
    return Exceeded(absl::StrCat("the content of file '", path, "'"), "file size",
                    limits_.max_file_bytes, "max_layer_file_bytes");
  }
  return absl::OkStatus();
}

std::optional<std::string> UnsupportedCompression(absl::string_view head) {
  // Magic numbers of formats libarchive could only read through an external
  // program (lrzip, lzop, grzip, lz4 and lzip without their libraries) or that
  // are no tar at all. Which filters imaged does register is in unpack.cc.
  static constexpr std::pair<absl::string_view, const char*> kMagics[] = {
      {absl::string_view("LRZI", 4), "lrzip"},
      {absl::string_view("\x89LZO\x00\r\n\x1a\n", 9), "lzop"},
      {absl::string_view("GRZipII", 7), "grzip"},
      {absl::string_view("\x04\x22\x4d\x18", 4), "lz4"},
      {absl::string_view("\x02\x21\x4c\x18", 4), "lz4 (legacy)"},
      {absl::string_view("LZIP", 4), "lzip"},
      {absl::string_view("\x1f\x9d", 2), "compress (.Z)"},
      {absl::string_view("\x1f\xa0", 2), "compress (LZH)"},
      {absl::string_view("7z\xbc\xaf\x27\x1c", 6), "7-zip archive"},
      {absl::string_view("PK\x03\x04", 4), "zip archive"},
  };
  for (const auto& [magic, name] : kMagics) {
    if (absl::StartsWith(head, magic)) return std::string(name);
  }
  return std::nullopt;
}

}  // namespace berth::imaged::layers
