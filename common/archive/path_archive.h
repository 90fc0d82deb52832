#pragma once

// Tar streams in and out of a container's root, for `docker cp` (the
// archive endpoints). All filesystem access is relative to directory fds
// opened inside the root (container_path.h); nothing is followed out of it.

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/archive/container_path.h"

namespace berth::archive {

// GET /containers/{id}/archive: writes a tar of `path` to `sink`, its top
// entry named after the path's base name (Docker's TarResourceRebase), a
// directory with everything below it. The last component is not followed
// (a symlink is archived as a link) unless the path ends in "/" or "/.".
// NotFound ("Could not find the file ...") when it does not exist.
absl::Status ArchiveContainerPath(int root_fd, const std::string& path, const TarSink& sink);

struct ExtractOptions {
  // Refuse to replace a directory with a non-directory and vice versa.
  bool no_overwrite_dir_non_dir = false;
  // Keep the archive's uid/gid (`docker cp -a`); otherwise entries belong to
  // root (0:0), as `docker cp` documents.
  bool copy_uid_gid = false;
};

// PUT /containers/{id}/archive: extracts the tar read from `source` into the
// directory `dir` (followed inside the root). Entry names are taken relative
// to `dir` (a leading "/" too); a name whose ".." climbs out of `dir`, device
// nodes and hard links to directories are refused with InvalidArgument.
// InvalidArgument "extraction point is not a directory" when `dir` is not one.
// A failure part-way leaves what was extracted so far (as Docker does).
absl::Status ExtractToContainerPath(int root_fd, const std::string& dir,
                                    const ExtractOptions& options, const TarSource& source);

}  // namespace berth::archive
