#pragma once

// Caps on what one untrusted layer archive may expand to, and the recognition
// of compressions imaged refuses.
//
// A layer is a few kilobytes to a few gigabytes of compressed input that the
// client fully controls. Without caps a small upload can expand without bound
// (zeros gzip ~1000:1; xz and zstd far better), claim a file of exabytes that
// is all hole, or create millions of inodes. Each cap is a configurable limit
// (imaged flags, see main.cc) whose default is large enough for real images;
// exceeding one is ResourceExhausted with a message that names the limit and
// the flag that sets it, so an operator can tell a hostile layer from a
// legitimately huge one.

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace berth::imaged::layers {

inline constexpr int64_t kGiB = int64_t{1} << 30;

struct UnpackLimits {
  // Bytes of the decompressed tar stream (headers, data, padding, anything
  // after the end marker). Bounds disk use and CPU time of one import. The
  // uploaded (compressed) stream gets the same cap plus a small allowance,
  // see MaxUploadBytes.
  int64_t max_bytes = 64 * kGiB;
  // Archive entries of any type (files, dirs, links, whiteouts, skipped
  // devices). Large distro images have a few hundred thousand.
  int64_t max_entries = int64_t{1} << 20;
  // Content bytes of one regular file (what is actually stored).
  int64_t max_file_bytes = 32 * kGiB;
  // Apparent size of one file (its length, holes included). Holes cost no disk
  // here, but every later copy, export or scan of the layer pays for them. The
  // default admits the sparse /var/log/lastlog of images that created users
  // with very large uids (292 bytes per uid).
  int64_t max_apparent_file_bytes = 1024 * kGiB;
};

// InvalidArgument unless every limit is positive.
absl::Status ValidateLimits(const UnpackLimits& limits);

// The cap on the uploaded bytes: max_bytes plus 1/64 (at least 1 MiB), since
// an incompressible stream grows slightly when compressed.
int64_t MaxUploadBytes(const UnpackLimits& limits);

// ResourceExhausted when `uploaded` bytes exceed MaxUploadBytes.
absl::Status CheckUploadBytes(const UnpackLimits& limits, int64_t uploaded);

// Counts one archive against the limits. Not thread-safe; one per unpack.
class LimitTracker {
 public:
  explicit LimitTracker(const UnpackLimits& limits) : limits_(limits) {}

  // `n` more bytes came out of the decompressor.
  absl::Status AddStreamBytes(int64_t n);
  // One more archive entry (called before the entry is applied).
  absl::Status AddEntry(const std::string& path);
  // A regular file's header: `apparent_size` is its length, `sparse` tells
  // whether the archive stores only part of it. A non-sparse file stores all
  // of its length, so that is checked against the content cap before a byte
  // is written.
  absl::Status CheckFileHeader(const std::string& path, int64_t apparent_size, bool sparse);
  // A data block of the current file at [offset, offset + size): the block
  // must end within the apparent-size cap and the file's content so far
  // (`stored`, including this block) within the content cap.
  absl::Status CheckFileBlock(const std::string& path, int64_t offset, int64_t size,
                              int64_t stored);

  int64_t stream_bytes() const { return stream_bytes_; }
  int64_t entries() const { return entries_; }

 private:
  const UnpackLimits limits_;
  int64_t stream_bytes_ = 0;
  int64_t entries_ = 0;
};

// The name of a compression or container format imaged refuses when `head`
// (the first bytes of a layer, after any supported decompression) starts with
// its magic number: lrzip, lzop, lz4, lzip, grzip, compress (.Z), ...
// std::nullopt for anything else (plain tar included).
std::optional<std::string> UnsupportedCompression(absl::string_view head);

// The longest magic UnsupportedCompression looks at.
inline constexpr size_t kCompressionMagicBytes = 10;

}  // namespace berth::imaged::layers
