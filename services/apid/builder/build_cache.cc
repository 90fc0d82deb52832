#include "services/apid/builder/build_cache.h"

#include <openssl/sha.h>

#include <vector>

#include "absl/strings/str_cat.h"
#include "common/fs/fs.h"
#include "nlohmann/json.hpp"
#include "spdlog/spdlog.h"

namespace berth::apid::builder {

std::string CacheKey(const std::vector<std::string>& parts) {
  std::string input;
  for (const std::string& part : parts) absl::StrAppend(&input, part.size(), ":", part, ";");
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  static const char* kHex = "0123456789abcdef";
  std::string out = "sha256:";
  for (unsigned char c : digest) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

BuildCache::BuildCache(std::string path) : path_(std::move(path)) {
  if (path_.empty()) return;
  absl::StatusOr<std::string> text = fs::ReadFile(path_);
  if (!text.ok()) {
    if (!absl::IsNotFound(text.status())) {
      spdlog::warn("build cache '{}': {}; starting empty", path_, text.status().ToString());
    }
    return;
  }
  nlohmann::json j = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("entries") || !j["entries"].is_object()) {
    spdlog::warn("build cache '{}' is malformed; starting empty", path_);
    return;
  }
  absl::MutexLock lock(&mu_);
  for (const auto& [key, value] : j["entries"].items()) {
    if (value.is_string()) entries_[key] = value.get<std::string>();
  }
}

std::string BuildCache::Lookup(const std::string& key) const {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(key);
  return it == entries_.end() ? "" : it->second;
}

absl::Status BuildCache::Put(const std::string& key, const std::string& image_id) {
  absl::MutexLock lock(&mu_);
  entries_[key] = image_id;
  return SaveLocked();
}

void BuildCache::Forget(const std::string& key) {
  absl::MutexLock lock(&mu_);
  if (entries_.erase(key) != 0) SaveLocked().IgnoreError();
}

size_t BuildCache::size() const {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

absl::Status BuildCache::SaveLocked() const {
  if (path_.empty()) return absl::OkStatus();
  nlohmann::json j = {{"version", 1}, {"entries", entries_}};
  return fs::WriteFileAtomically(path_, j.dump());
}

}  // namespace berth::apid::builder
