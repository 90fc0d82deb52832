// Docker's volume copy-up: the first time an empty volume is mounted over a
// path the image has content at, that content is copied into the volume
// (modes, ownership, times, symlinks and device nodes kept), so that the
// container sees the image's files in its fresh volume. Runs in the init,
// before the volume's bind mount and before pivot_root.
//
// Both sides are walked fd-relative: the image side is opened inside the
// container root without following any symlink (OpenInRoot), entries are
// opened with O_NOFOLLOW and symlinks are copied as links, never followed,
// so an image cannot make the copy read or write outside its root or the
// volume.
#pragma once

#include <string>

#include "absl/status/status.h"

namespace berth::runtimed::shim {

// Copies the tree at in-root `path` below `root_fd` into `volume_dir` when
// `volume_dir` is empty and `path` is a directory in the image; the volume's
// root takes the mode and owner of `path`. Nothing to do (OK) when `path`
// is missing or not a directory or the volume has content. Nesting deeper
// than 128 levels is refused.
absl::Status CopyUpIfEmpty(int root_fd, const std::string& path, const std::string& volume_dir);

}  // namespace berth::runtimed::shim
