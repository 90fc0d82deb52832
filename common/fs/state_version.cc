#include "common/fs/state_version.h"

#include <filesystem>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/fs/fs.h"
#include "common/status/status.h"

namespace berth::fs {
namespace {

std::string DirOf(const std::string& stamp_path) {
  return std::filesystem::path(stamp_path).parent_path().string();
}

absl::Status Stamp(const std::string& stamp_path, int version) {
  return WriteFileAtomically(stamp_path, absl::StrCat(version, "\n"));
}

const StateMigration* FindMigration(const StateVersionSpec& spec, int from) {
  for (const StateMigration& m : spec.migrations) {
    if (m.from == from) return &m;
  }
  return nullptr;
}

absl::Status Refuse(const StateVersionSpec& spec, absl::string_view found,
                    absl::string_view why) {
  return absl::FailedPreconditionError(absl::StrCat(
      "state dir '", DirOf(spec.stamp_path), "' has schema version '", found, "'; this ",
      spec.owner, " supports version ", spec.supported, " ", why,
      "; use a matching ", spec.owner, " or another state dir"));
}

}  // namespace

absl::StatusOr<int> ReadStateVersion(const std::string& stamp_path) {
  BERTH_ASSIGN_OR_RETURN(std::string text, ReadFile(stamp_path));
  absl::string_view trimmed = absl::StripAsciiWhitespace(text);
  int version = 0;
  if (!absl::SimpleAtoi(trimmed, &version) || version < 1) {
    return absl::FailedPreconditionError(absl::StrCat(
        "state dir '", DirOf(stamp_path), "' has schema version '", trimmed, "' in '",
        stamp_path, "', which is not a version number"));
  }
  return version;
}

absl::Status EnsureStateVersion(const StateVersionSpec& spec) {
  if (spec.supported < 1 || spec.owner.empty() || spec.stamp_path.empty()) {
    return absl::InvalidArgumentError("state version spec needs a stamp path, an owner and a "
                                      "supported version >= 1");
  }
  BERTH_RETURN_IF_ERROR(MakeDirs(DirOf(spec.stamp_path), 0700));
  absl::StatusOr<int> found = ReadStateVersion(spec.stamp_path);
  if (absl::IsNotFound(found.status())) return Stamp(spec.stamp_path, spec.supported);
  if (!found.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        found.status().message(), "; this ", spec.owner, " supports version ", spec.supported));
  }
  if (*found == spec.supported) return absl::OkStatus();
  if (*found > spec.supported) {
    return Refuse(spec, absl::StrCat(*found), "and cannot read a newer layout");
  }
  // Check the whole chain first, so a missing step refuses before any step
  // has changed the dir.
  for (int v = *found; v < spec.supported; ++v) {
    if (FindMigration(spec, v) == nullptr) {
      return Refuse(spec, absl::StrCat(*found),
                    absl::StrCat("and has no migration from version ", v, " to ", v + 1));
    }
  }
  for (int v = *found; v < spec.supported; ++v) {
    absl::Status migrated = FindMigration(spec, v)->run();
    if (!migrated.ok()) {
      return absl::Status(migrated.code(),
                          absl::StrCat("migrate state dir '", DirOf(spec.stamp_path),
                                       "' from schema version ", v, " to ", v + 1, ": ",
                                       migrated.message()));
    }
    BERTH_RETURN_IF_ERROR(Stamp(spec.stamp_path, v + 1));
  }
  return absl::OkStatus();
}

absl::Status EnsureStateVersion(const std::string& stamp_path, int supported,
                                const std::string& owner) {
  StateVersionSpec spec;
  spec.stamp_path = stamp_path;
  spec.supported = supported;
  spec.owner = owner;
  return EnsureStateVersion(spec);
}

}  // namespace berth::fs
