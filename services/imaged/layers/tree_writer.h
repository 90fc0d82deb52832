#pragma once

// fd-relative file tree operations confined to one root directory. This is the
// only code of the unpacker that touches the filesystem; every path it takes is
// a list of already validated components (see SplitEntryPath) and is resolved
// one component at a time without following symlinks.

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/fs/fs.h"

namespace berth::imaged::layers {

using Components = std::vector<std::string>;

// Joins components with "/" for messages.
std::string JoinComponents(const Components& c);

// Owner, mode and times to apply to a created entry.
struct EntryMeta {
  uid_t uid = 0;
  gid_t gid = 0;
  mode_t mode = 0644;  // permission bits incl. setuid/setgid/sticky
  struct timespec atime = {0, UTIME_OMIT};
  struct timespec mtime = {0, UTIME_OMIT};
  std::vector<std::pair<std::string, std::string>> xattrs;
};

class TreeWriter {
 public:
  // Opens `root` (an existing directory). `apply_ownership` chowns entries.
  static absl::StatusOr<TreeWriter> Open(const std::string& root, bool apply_ownership);

  // The directory that contains `path` (all but the last component), opened
  // for *at calls. Missing parents are created (0755) when `create` is set.
  // InvalidArgument if a parent is a symlink or not a directory.
  absl::StatusOr<fs::ScopedFd> OpenParent(const Components& path, bool create);

  // Removes whatever is at `name` in `dirfd` (recursively for directories)
  // unless it is a directory and `keep_dir` is set. Returns true if a directory
  // was kept. OK if nothing is there.
  absl::StatusOr<bool> RemoveExisting(int dirfd, const std::string& name, bool keep_dir);

  // Creates (or keeps) a directory; owner and xattrs are applied now, mode and
  // times in Finish() so that later entries can still be written into it.
  absl::Status MakeDir(const Components& path, const EntryMeta& meta);
  // Creates a new regular file and returns it open for writing; call
  // FinishFile() after the content is written.
  absl::StatusOr<fs::ScopedFd> CreateFile(const Components& path);
  absl::Status FinishFile(int fd, const Components& path, int64_t size, const EntryMeta& meta);
  absl::Status MakeSymlink(const Components& path, const std::string& target,
                           const EntryMeta& meta);
  absl::Status MakeFifo(const Components& path, const EntryMeta& meta);
  // Hard link `path` → existing non-directory `target` inside the root.
  absl::Status MakeHardlink(const Components& path, const Components& target);
  // Overlay whiteout: a 0:0 character device named `name` in the parent dir.
  absl::Status MakeWhiteout(const Components& path);
  // Overlay opaque marker on the directory `dir` (empty = root).
  absl::Status MarkOpaque(const Components& dir);
  // Applies the deferred directory modes and times.
  absl::Status Finish();
  // Flushes the filesystem holding the tree (one syncfs, not an fsync per file).
  absl::Status Sync();

 private:
  TreeWriter(fs::ScopedFd root, bool apply_ownership)
      : root_(std::move(root)), apply_ownership_(apply_ownership) {}
  absl::StatusOr<fs::ScopedFd> OpenDir(const Components& path);
  absl::Status ApplyOwnerAndXattrs(int fd, const Components& path, const EntryMeta& meta);

  fs::ScopedFd root_;
  bool apply_ownership_;
  struct DeferredDir {
    Components path;
    mode_t mode;
    struct timespec times[2];
  };
  std::vector<DeferredDir> deferred_dirs_;
};

// Maps an errno from writing the tree: environment failures (disk full, I/O,
// read-only fs, memory) keep their code; everything else was caused by the
// archive's content and becomes InvalidArgument.
absl::Status TreeErrno(int err, const std::string& context);

}  // namespace berth::imaged::layers
