#pragma once

// Writable overlay snapshots for containers: snapshots/<key>/{upper,work,meta.json}.
// Like a containerd snapshotter, imaged only prepares directories and
// describes the mount; runtimed performs it inside the container's mount
// namespace. A snapshot appears atomically (built in tmp/, then renamed) and
// records the image and layers it uses so those layers outlive a forced image
// removal.
//
// Not thread-safe: the owner (ImageManager) serializes calls.

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/imaged/paths.h"

namespace berth::imaged::snapshots {

// A mount described as data (mirrors berth.v1.Mount).
struct Mount {
  std::string type;
  std::string source;
  std::string target;
  std::vector<std::string> options;

  bool operator==(const Mount&) const = default;
};

struct SnapshotRecord {
  std::string key;                  // the container id
  std::string image_id;             // "sha256:..."
  std::vector<std::string> layers;  // chain ids, bottom first
  absl::Time created = absl::UnixEpoch();
};

// Keys become directory names and end up in overlay options, so they are
// limited to [A-Za-z0-9][A-Za-z0-9_.-]{0,127}. InvalidArgument otherwise.
absl::Status ValidateSnapshotKey(const std::string& key);

// The overlay mount for a snapshot: lower dirs are given top first (overlay's
// order). ResourceExhausted if the option string would not fit in one page
// (the kernel's limit for mount data); InvalidArgument if a path contains a
// character that overlay's option parser treats specially (',' ':' '\\').
absl::StatusOr<Mount> BuildOverlayMount(const std::vector<std::string>& lower_dirs_top_first,
                                        const std::string& upper, const std::string& work);

class SnapshotStore {
 public:
  // `paths` must outlive the store.
  explicit SnapshotStore(const Paths& paths) : paths_(paths) {}

  // Loads snapshots/*/meta.json. A directory without meta.json is the rest of
  // an interrupted removal and is removed now.
  absl::Status Recover();

  // Creates the directories and record. AlreadyExists if `key` is taken.
  absl::Status Create(const SnapshotRecord& record);

  // Removes a snapshot's directories and record; unknown keys are OK.
  // FailedPrecondition when something is still mounted inside (EBUSY); the
  // snapshot then stays listed so the removal can be retried.
  absl::Status Remove(const std::string& key);

  // nullptr when unknown.
  const SnapshotRecord* Get(const std::string& key) const;
  std::vector<const SnapshotRecord*> List() const;

 private:
  const Paths& paths_;
  std::map<std::string, SnapshotRecord> snapshots_;
};

}  // namespace berth::imaged::snapshots
