#pragma once

// The builder's layer cache index: step key → image id, persisted as one JSON
// file in apid's state dir so a rebuild after a restart still hits. The
// images themselves (config, layers, parent chain) live in imaged; an entry
// whose image was removed is simply a miss (the caller checks with imaged).
//
// A key is the sha256 of everything that decides a step's result: the parent
// image id, the instruction as executed (variables expanded), and for RUN the
// build-time environment, for COPY/ADD the content hash of what is copied.

#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace berth::apid::builder {

class BuildCache {
 public:
  // `path` is the index file ("" keeps the cache in memory only, for tests).
  // A missing or unreadable file starts an empty cache (logged).
  explicit BuildCache(std::string path);

  // The image id cached for `key`, or "".
  std::string Lookup(const std::string& key) const;

  // Records `key` → `image_id` and rewrites the file atomically.
  absl::Status Put(const std::string& key, const std::string& image_id);

  // Drops an entry whose image is gone.
  void Forget(const std::string& key);

  size_t size() const;

 private:
  absl::Status SaveLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string path_;
  mutable absl::Mutex mu_;
  std::map<std::string, std::string> entries_ ABSL_GUARDED_BY(mu_);
};

// "sha256:<hex>" of the parts, each length-prefixed so parts cannot run together.
std::string CacheKey(const std::vector<std::string>& parts);

}  // namespace berth::apid::builder
