// The schema version stamp every service keeps in its state dir: one small
// file holding the layout version as a decimal number and a newline ("1\n").
// A service calls EnsureStateVersion at startup, before it reads anything
// else from the dir, so a binary never misreads a layout it does not know:
//   - no stamp: the dir is new (or predates stamping, which was version 1
//     everywhere); it is stamped with the supported version;
//   - the supported version: nothing to do;
//   - an older version with a migration for every step up: each step runs,
//     and the stamp is rewritten after each one, so a crash mid-way resumes
//     at the step that did not finish;
//   - anything else (newer, older without a migration, not a number): refuse
//     with an error naming the dir, the version found and the one supported.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace berth::fs {

// Brings a state dir from version `from` to `from + 1`. It must be safe to
// run again after a crash part-way (the stamp still says `from` then).
struct StateMigration {
  int from = 0;
  std::function<absl::Status()> run;
};

struct StateVersionSpec {
  // Full path of the stamp, e.g. "/var/lib/berth/imaged/VERSION". Its
  // directory is the state dir; it is made (0700) if missing.
  std::string stamp_path;
  // The one version this binary reads and writes (>= 1).
  int supported = 1;
  // Who owns the dir ("imaged"), named in errors.
  std::string owner;
  std::vector<StateMigration> migrations;
};

// Reads the version in `stamp_path`: NotFound when there is no stamp,
// FailedPrecondition when it is not a positive decimal number.
absl::StatusOr<int> ReadStateVersion(const std::string& stamp_path);

// Stamps, accepts, migrates or refuses as described at the top of the file.
absl::Status EnsureStateVersion(const StateVersionSpec& spec);

// The same for a layout that has had no other version yet (no migrations).
absl::Status EnsureStateVersion(const std::string& stamp_path, int supported,
                                const std::string& owner);

}  // namespace berth::fs
