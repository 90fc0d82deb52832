#pragma once

// Content-addressed blob store: blobs/sha256/<hex>. A blob is written to a temp
// file under tmp/, hashed while it is written, and renamed into place only by
// Commit(), so a reader never sees a partial blob and a crash leaves only temp
// files (which Recover() of the owner clears). Safe for concurrent use: every
// operation works on its own files and renames are atomic.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/fs/fs.h"
#include "services/imaged/content/digest.h"
#include "services/imaged/paths.h"

namespace berth::imaged::content {

// A blob being ingested. Destroying an uncommitted writer removes its temp file.
class BlobWriter {
 public:
  ~BlobWriter();
  BlobWriter(const BlobWriter&) = delete;
  BlobWriter& operator=(const BlobWriter&) = delete;

  // Appends `size` bytes. Errors are I/O errors (ResourceExhausted on ENOSPC).
  absl::Status Write(const void* data, size_t size);
  // Flushes to disk and returns the digest of everything written. The temp file
  // stays readable at path() until Commit() or destruction. Call once.
  absl::StatusOr<std::string> Close();

  const std::string& path() const { return path_; }
  int64_t size() const { return size_; }
  // Empty until Close() succeeded.
  const std::string& digest() const { return digest_; }

 private:
  friend class ContentStore;
  BlobWriter(std::string path, fs::ScopedFd fd) : path_(std::move(path)), fd_(std::move(fd)) {}

  std::string path_;
  fs::ScopedFd fd_;
  Sha256 hash_;
  int64_t size_ = 0;
  std::string digest_;
  bool committed_ = false;
};

class ContentStore {
 public:
  // `paths` must outlive the store; blobs_dir() and tmp_dir() must exist.
  explicit ContentStore(const Paths& paths) : paths_(paths) {}

  // Starts a new blob in tmp/.
  absl::StatusOr<std::unique_ptr<BlobWriter>> NewWriter();

  // Publishes a closed writer's file under its digest. If the blob already
  // exists, the temp file is dropped (same content). FailedPrecondition if the
  // writer was not closed.
  absl::Status Commit(BlobWriter& writer);

  // Writes a small blob in one go and returns its digest.
  absl::StatusOr<std::string> Put(const std::string& data);

  // Reads a whole blob and checks its digest. NotFound if absent, DataLoss on a
  // digest mismatch (a corrupted store), InvalidArgument for a malformed digest.
  absl::StatusOr<std::string> Read(const std::string& digest) const;

  bool Exists(const std::string& digest) const;

  // Size in bytes of a stored blob. NotFound if absent.
  absl::StatusOr<int64_t> Size(const std::string& digest) const;

  // Removes a blob; removing an absent blob is OK.
  absl::Status Delete(const std::string& digest);

  // Digests of every stored blob.
  absl::StatusOr<std::vector<std::string>> List() const;

 private:
  const Paths& paths_;
};

}  // namespace berth::imaged::content
