#pragma once

// Test helpers for imaged: temp dirs and tarballs built in memory with libarchive.

#include <sys/types.h>

#include <ctime>
#include <string>
#include <vector>

namespace berth::imaged::testing {

// A directory under $TMPDIR (default /tmp), removed with its content on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct TarEntry {
  enum class Type { kFile, kDir, kSymlink, kHardlink, kCharDevice, kFifo };
  std::string path;
  Type type = Type::kFile;
  std::string data;  // file content
  std::string link;  // symlink target or hard link target
  int mode = 0644;
  int uid = 0;
  int gid = 0;
  time_t mtime = 1700000000;
};

TarEntry File(std::string path, std::string data, int mode = 0644);
TarEntry Dir(std::string path, int mode = 0755);
TarEntry Symlink(std::string path, std::string target);
TarEntry Hardlink(std::string path, std::string target);

enum class Compression { kNone, kGzip, kXz, kZstd };

// A pax tar archive of `entries`, in order, optionally compressed. Entry names
// are written exactly as given (hostile names included).
std::string BuildTar(const std::vector<TarEntry>& entries,
                     Compression compression = Compression::kNone);

// Returns the tar (uncompressed) bytes' "sha256:<hex>".
std::string Sha256Of(const std::string& data);

// Number of entries (recursively) under `dir`, not counting `dir` itself.
int CountEntries(const std::string& dir);

}  // namespace berth::imaged::testing
