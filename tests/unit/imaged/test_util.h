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
  // When larger than data.size(), a sparse file of this length: `data` at
  // offset 0, the rest a hole the archive does not store.
  int64_t sparse_size = 0;
};

TarEntry File(std::string path, std::string data, int mode = 0644);
TarEntry Dir(std::string path, int mode = 0755);
TarEntry Symlink(std::string path, std::string target);
TarEntry Hardlink(std::string path, std::string target);
TarEntry SparseFile(std::string path, std::string data, int64_t apparent_size);

enum class Compression { kNone, kGzip, kBzip2, kXz, kZstd };

// A pax tar archive of `entries`, in order, optionally compressed. Entry names
// are written exactly as given (hostile names included).
std::string BuildTar(const std::vector<TarEntry>& entries,
                     Compression compression = Compression::kNone);

// `data` compressed as a single stream (no tar), e.g. to nest compressions.
std::string Compress(const std::string& data, Compression compression);

// A decompression bomb: a tar holding one file `path` of `zeros` zero bytes,
// streamed through the compressor (the zeros never sit in memory at once).
// Gzip shrinks zeros ~1000:1, so 1 GiB of content costs ~1 MiB.
std::string ZeroFileTar(const std::string& path, int64_t zeros, Compression compression);

// Returns the tar (uncompressed) bytes' "sha256:<hex>".
std::string Sha256Of(const std::string& data);

// Number of entries (recursively) under `dir`, not counting `dir` itself.
int CountEntries(const std::string& dir);

}  // namespace berth::imaged::testing
