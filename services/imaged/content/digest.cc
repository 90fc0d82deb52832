#include "services/imaged/content/digest.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/log/log.h"
#include "services/imaged/reference/reference.h"

namespace berth::imaged::content {

struct Sha256::Ctx {
  EVP_MD_CTX* md = nullptr;
};

Sha256::Sha256() : ctx_(std::make_unique<Ctx>()) {
  ctx_->md = EVP_MD_CTX_new();
  // Allocation or init failure of a built-in digest means the process is broken.
  BERTH_CHECK(ctx_->md != nullptr);
  BERTH_CHECK(EVP_DigestInit_ex(ctx_->md, EVP_sha256(), nullptr) == 1);
}

Sha256::~Sha256() { EVP_MD_CTX_free(ctx_->md); }

void Sha256::Update(const void* data, size_t size) {
  if (size == 0) return;
  BERTH_CHECK(EVP_DigestUpdate(ctx_->md, data, size) == 1);
}

std::string Sha256::FinalDigest() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  BERTH_CHECK(EVP_DigestFinal_ex(ctx_->md, out, &len) == 1);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    hex.push_back(kHex[out[i] >> 4]);
    hex.push_back(kHex[out[i] & 0xf]);
  }
  return absl::StrCat("sha256:", hex);
}

std::string DigestOf(const std::string& data) {
  Sha256 h;
  h.Update(data.data(), data.size());
  return h.FinalDigest();
}

absl::StatusOr<std::string> DigestHex(const std::string& digest) {
  if (!absl::StartsWith(digest, "sha256:") || !reference::IsFullHexId(digest.substr(7))) {
    return absl::InvalidArgumentError(absl::StrCat("invalid digest '", digest, "'"));
  }
  return digest.substr(7);
}

std::string RandomId(size_t n) {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string bytes(n, '\0');
  BERTH_CHECK(RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()),
                         static_cast<int>(n)) == 1);
  std::string out;
  out.reserve(n);
  // 256 % 36 != 0 gives a tiny bias; these names only need to be unique.
  for (char b : bytes) out.push_back(kAlphabet[static_cast<unsigned char>(b) % 36]);
  return out;
}

}  // namespace berth::imaged::content
