#pragma once

// `docker diff`: what a container changed, read from its overlay upper dir
// and compared with the image's layers (no mount needed, so it also works
// while the container runs). Like Docker's overlay driver: every entry of the
// upper dir is a change; a whiteout is a deletion; anything else is
// "modified" when the image has that path and "added" when it does not; the
// parent directory of an addition or deletion is reported modified too.

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::imaged::layers {

enum class ChangeKind { kModified = 0, kAdded = 1, kDeleted = 2 };

struct Change {
  std::string path;  // absolute in the container
  ChangeKind kind;
};

// Changes of `upper_dir` over `lower_dirs_top_first`, sorted by path.
absl::StatusOr<std::vector<Change>> ListChanges(const std::string& upper_dir,
                                                const std::vector<std::string>& lower_dirs_top_first);

}  // namespace berth::imaged::layers
