#pragma once

// The reverse of unpacking: a container's overlay upper dir as a layer tar in
// Docker's format (what `docker commit` and every RUN of a build produce).
//
//  * overlay whiteouts (0:0 character devices) become empty `.wh.<name>` files;
//  * a directory with trusted.overlay.opaque="y" gets a `.wh..wh..opq` entry
//    inside it, so the layer hides everything below that directory;
//  * regular files, directories, symlinks, fifos and hard links (one file with
//    several names in the upper dir) keep their owner, mode and mtime;
//  * other device nodes and sockets are left out (the unpacker would skip
//    them anyway), and so are overlay's own xattrs.
// The tree is walked with openat(O_NOFOLLOW) from the upper dir's fd, entries
// sorted by name, so a container cannot point the walk outside its tree.

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace berth::imaged::layers {

// Receives the tar stream in pieces.
using TarSink = std::function<absl::Status(const void* data, size_t size)>;

struct DiffStats {
  int64_t entries = 0;
  int64_t whiteouts = 0;
  int64_t skipped = 0;  // devices and sockets left out
};

// Writes `upper_dir` as an uncompressed tar to `sink`. NotFound if the dir is
// missing; I/O errors keep their errno-derived code.
absl::StatusOr<DiffStats> WriteLayerDiff(const std::string& upper_dir, const TarSink& sink);

}  // namespace berth::imaged::layers
