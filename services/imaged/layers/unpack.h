#pragma once

// Safe unpacking of an untrusted layer tarball (plain, gzip, xz, zstd, bzip2)
// into a directory that becomes an overlay lower dir.
//
// Only those four decompressors are registered, and only as libarchive's
// built-in code: never archive_read_support_filter_all, never a filter that
// runs an external program (lrzip, lzop, grzip, ...). A layer in another
// compression is refused naming it ("unsupported compression 'lrzip'"), and so
// is a layer compressed more than once. Sizes and counts are capped by
// UnpackLimits (limits.h).
//
// Safety rules (the archive is hostile until proven otherwise):
//  * entry paths are split into components; absolute paths and ".." are
//    refused; "./" prefixes and empty components are ignored;
//  * parents are walked one component at a time with openat(O_NOFOLLOW) from
//    the layer root: an entry whose parent is a symlink is refused, so no write
//    ever goes through a symlink, inside or outside the root;
//  * an existing entry is unlinked (never opened) before it is replaced, and new
//    files are created with O_CREAT|O_EXCL|O_NOFOLLOW;
//  * hard link targets follow the same path rules and must already exist in the
//    layer (and not be directories);
//  * character and block devices are skipped with a warning (the runtime
//    provides /dev; creating device nodes from an archive is a privilege we do
//    not hand out), and so are sockets;
//  * xattrs in the trusted.overlay.* namespace are dropped: overlay metadata
//    must come only from our own whiteout conversion.
// Every refusal is InvalidArgument, except an exceeded limit, which is
// ResourceExhausted; the caller removes the partial directory.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/imaged/layers/limits.h"

namespace berth::imaged::layers {

enum class WhiteoutMode {
  // Whiteout entries are left out. Right for a base (single) layer: there is
  // nothing below it to hide, which is what `docker import` relies on.
  kDrop,
  // AUFS whiteouts become overlay whiteouts: ".wh.name" → a 0:0 character
  // device "name" (mknod, needs CAP_MKNOD); ".wh..wh..opq" → the xattr
  // trusted.overlay.opaque="y" on the directory (needs CAP_SYS_ADMIN).
  kOverlay,
};

struct UnpackOptions {
  WhiteoutMode whiteouts = WhiteoutMode::kDrop;
  // Apply the archive's uid/gid. Needs CAP_CHOWN; tests running as a normal
  // user turn it off and files then belong to the caller.
  bool apply_ownership = true;
  UnpackLimits limits;
};

struct UnpackResult {
  // "sha256:..." of the uncompressed tar stream (the OCI diff id).
  std::string diff_id;
  // Bytes of regular file content plus symlink targets (Docker's layer size).
  int64_t size = 0;
  int64_t entries = 0;
  int64_t skipped_devices = 0;
  int64_t whiteouts = 0;
};

// Unpacks the archive at `archive_path` into `dest`, which must be an existing
// empty directory, and hashes the decompressed stream on the way (one pass).
// InvalidArgument for malformed or hostile archives and unsupported
// compressions; ResourceExhausted naming the limit when the archive exceeds
// one of options.limits; I/O errors keep their errno-derived code
// (ResourceExhausted for ENOSPC). On error `dest` may hold a
// partial tree: the caller discards it.
absl::StatusOr<UnpackResult> UnpackLayer(const std::string& archive_path, const std::string& dest,
                                         const UnpackOptions& options);

// The same, reading the compressed archive from `fd` (a pipe or socket a
// download writes into) so a pulled layer is unpacked while it streams; the
// caller verifies the blob digest of what it sent. Reads `fd` to its end.
absl::StatusOr<UnpackResult> UnpackLayerFromFd(int fd, const std::string& dest,
                                               const UnpackOptions& options);

// Splits an entry path into the components to create under the root. Strips
// leading "./" and empty components; refuses absolute paths and "..".
// An empty vector means the root itself.
absl::StatusOr<std::vector<std::string>> SplitEntryPath(const std::string& path);

}  // namespace berth::imaged::layers
