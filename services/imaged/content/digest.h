#pragma once

// SHA-256 digests in the OCI "sha256:<64 hex>" spelling, computed with
// OpenSSL's EVP interface so that large streams can be hashed incrementally.

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace berth::imaged::content {

// Incremental SHA-256. Not thread-safe; one owner at a time.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(const void* data, size_t size);
  // Returns "sha256:<64 lowercase hex>". Call once; the hasher is spent afterwards.
  std::string FinalDigest();

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

// "sha256:" + hex SHA-256 of `data`.
std::string DigestOf(const std::string& data);

// Checks the "sha256:<64 lowercase hex>" form and returns the hex part.
// InvalidArgument otherwise (this keeps digests from untrusted input out of paths).
absl::StatusOr<std::string> DigestHex(const std::string& digest);

// `n` random lowercase [a-z0-9] characters from the OpenSSL CSPRNG, for
// short directory names and temp names.
std::string RandomId(size_t n);

}  // namespace berth::imaged::content
