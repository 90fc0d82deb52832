#pragma once

// The build context as the client sent it (a tar, plain or compressed), held
// in memory: builds are small and this keeps apid away from writing untrusted
// trees to disk. `.dockerignore` is applied server-side too (the docker CLI
// and docker-py already filter; `berth build` relies on this), but the
// Dockerfile and .dockerignore are always readable for the build itself.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::apid::builder {

// The largest context accepted (the uncompressed tar).
inline constexpr int64_t kMaxContextBytes = int64_t{1} << 30;

struct ContextEntry {
  enum class Type { kFile, kDir, kSymlink };
  Type type = Type::kFile;
  std::string path;  // cleaned, relative, no leading "./" or trailing "/"
  uint32_t mode = 0644;
  uint32_t uid = 0;
  uint32_t gid = 0;
  int64_t mtime = 0;
  std::string data;  // file content (hard links resolved to their target's)
  std::string link;  // symlink target
};

class BuildContext {
 public:
  // Reads a tar (plain, gzip, bzip2, xz, zstd). InvalidArgument for a bad
  // archive or hostile names (absolute, ".."), ResourceExhausted beyond
  // kMaxContextBytes. An empty body is an empty context.
  static absl::StatusOr<BuildContext> FromTar(const std::string& tar);

  // A file of the context before .dockerignore applies (the Dockerfile).
  // NotFound when missing or not a regular file.
  absl::StatusOr<std::string> ReadFile(const std::string& path) const;

  // Applies `.dockerignore` (if the context has one): excluded entries are
  // dropped. InvalidArgument for a bad pattern.
  absl::Status ApplyDockerIgnore();

  // Resolves a COPY/ADD source: a glob (filepath.Match rules per path
  // component) or a plain path, against the context. Returns the matched
  // top-level entries, sorted. Docker's texts when nothing matches.
  absl::StatusOr<std::vector<const ContextEntry*>> Resolve(const std::string& source) const;

  // The entries strictly below directory `dir` ("" = the root), sorted.
  std::vector<const ContextEntry*> Below(const std::string& dir) const;

  const std::map<std::string, ContextEntry>& entries() const { return entries_; }

 private:
  std::map<std::string, ContextEntry> entries_;
};

// Go's filepath.Match on `/`-separated paths: `*` and `?` stay within one
// component, `[...]` classes, `\` escapes. InvalidArgument for a bad pattern.
absl::StatusOr<bool> PathMatch(const std::string& pattern, const std::string& path);

}  // namespace berth::apid::builder
