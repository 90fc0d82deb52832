#pragma once

// Paths inside a container's root filesystem, resolved the way `docker cp`
// needs them and never outside that root: every lookup is an
// openat2(RESOLVE_IN_ROOT) from a directory fd standing for the container's
// "/" (a running container's /proc/<pid>/root, or a private mount of a
// stopped container's overlay), so a symlink to "/" or "..", even one swapped
// in during the copy (CVE-2018-15664), resolves inside the container.

#include <sys/stat.h>

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "common/fs/fs.h"

namespace berth::archive {

// What Docker's X-Docker-Container-Path-Stat header carries.
struct PathStat {
  std::string name;         // base name of the path as asked ("." for "dir/.")
  int64_t size = 0;
  uint32_t mode = 0;        // a Go os.FileMode (type bits high, permissions low)
  int64_t mtime_unix_nanos = 0;
  std::string link_target;  // for a symlink: the absolute path it resolves to
};

// Receives a tar stream in pieces.
using TarSink = std::function<absl::Status(const void* data, size_t size)>;
// Yields the next piece of an incoming tar stream; "" at its end.
using TarSource = std::function<absl::StatusOr<std::string>()>;

// Go's os.FileMode for a stat mode.
uint32_t GoFileMode(mode_t mode);

// A path as Docker's ResolvePath splits it: every component but the last is
// followed (inside the root), the last one is not, unless the path ends in
// "/" or "/." (then the whole path is followed).
struct ResolvedPath {
  fs::ScopedFd parent;     // O_PATH directory holding the entry
  std::string entry;       // name in `parent`; "" when `parent` is the entry itself
  std::string base_name;   // Docker's filepath.Base of the cleaned path
  std::string clean_path;  // absolute, "/" separated, no "..", "." or "//"
};

// Cleans `path` (relative paths are taken from "/"; ".." stops at "/").
std::string CleanContainerPath(const std::string& path);

// Opens `path` relative to `root_fd` (an O_PATH or O_DIRECTORY fd), with
// `flags` (O_PATH, O_DIRECTORY, O_NOFOLLOW...), resolving inside the root.
absl::StatusOr<fs::ScopedFd> OpenInRoot(int root_fd, const std::string& path, int flags);

// Splits and resolves `path` as above. NotFound (Docker's words: "Could not
// find the file <path> in container") when a parent is missing.
absl::StatusOr<ResolvedPath> ResolveContainerPath(int root_fd, const std::string& path);

// lstat of the resolved entry as Docker's HEAD/GET archive report it.
// NotFound when the path does not exist.
absl::StatusOr<PathStat> StatContainerPath(int root_fd, const std::string& path);

}  // namespace berth::archive
