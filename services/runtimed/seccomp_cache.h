// Compiled seccomp programs by resolved profile. Compiling Docker's default
// profile with libseccomp costs tens of milliseconds; every container with
// the same capability set has the same profile, so runtimed compiles it once
// and hands the shim the program as a file (the init only loads it).
#pragma once

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace berth::runtimed {

class SeccompCache {
 public:
  // The BPF program of `profile_json` (a resolved profile in Docker's JSON
  // format, as the shim config carries it). InvalidArgument for a profile the
  // parser refuses; Internal when libseccomp fails. Thread-safe.
  absl::StatusOr<std::string> Program(const std::string& profile_json,
                                      const std::vector<std::string>& capabilities);

 private:
  // Distinct profiles are few (one per capability set in use, plus custom
  // ones); past this many the cache starts over rather than grow.
  static constexpr size_t kMaxPrograms = 32;

  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::string> programs_ ABSL_GUARDED_BY(mu_);
};

}  // namespace berth::runtimed
