#include "services/runtimed/seccomp_cache.h"

#include "services/runtimed/security/seccomp_filter.h"
#include "services/runtimed/security/seccomp_profile.h"

namespace berth::runtimed {

absl::StatusOr<std::string> SeccompCache::Program(const std::string& profile_json,
                                                  const std::vector<std::string>& capabilities) {
  {
    absl::MutexLock lock(&mu_);
    auto it = programs_.find(profile_json);
    if (it != programs_.end()) return it->second;
  }
  // Compiled outside the lock: two first starts may both compile, which is
  // harmless, instead of one waiting for the other.
  absl::StatusOr<security::SeccompProfile> profile =
      security::ParseDockerSeccompProfile(profile_json, capabilities);
  if (!profile.ok()) return profile.status();
  absl::StatusOr<std::string> program = security::ExportSeccompBpf(*profile);
  if (!program.ok()) return program.status();
  absl::MutexLock lock(&mu_);
  if (programs_.size() >= kMaxPrograms) programs_.clear();
  programs_.emplace(profile_json, *program);
  return program;
}

}  // namespace berth::runtimed
