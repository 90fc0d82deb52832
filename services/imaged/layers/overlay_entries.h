// How an overlay upper dir marks changes, read the same way by every walker
// of layer and upper directories (commit's diff writer, export, diff):
// a deleted path is a 0:0 character device, an opaque directory carries
// trusted.overlay.opaque="y".
#pragma once

#include <sys/stat.h>

#include <string>
#include <vector>

#include "common/fs/fs.h"

namespace berth::imaged::layers {

bool IsOverlayWhiteout(const struct stat& st);
bool IsOverlayOpaque(int dirfd);
// Opens the directory `components` below `root` one component at a time,
// never following a symlink; an invalid fd when any is missing or not a dir.
fs::ScopedFd OpenDirBeneath(int root, const std::vector<std::string>& components);

}  // namespace berth::imaged::layers
