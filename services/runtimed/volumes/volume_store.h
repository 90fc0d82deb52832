// Local volumes on disk: `<state>/volumes/<name>/_data` (the volume's
// content, its Mountpoint) next to `<state>/volumes/<name>/volume.json` (the
// berth.v1.Volume as proto JSON, written atomically). The volumes dir carries
// its own schema stamp (`<state>/volumes/VERSION`).
//
// Crash safety: a volume exists once its volume.json does. Create makes
// `_data` first and writes the record last, so a crash in between leaves a
// dir without a record, which Open() removes (the create never returned).
// Remove deletes the record first, then the dir, so a crash in between
// leaves only an orphaned dir, also removed by Open().
//
// Threads: every method may be called concurrently. Whether a volume is in
// use is the caller's business (runtimed's ContainerManager knows the
// containers); this class only keeps the volumes.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "berth/v1/runtimed.pb.h"
#include "berth/v1/types.pb.h"

namespace berth::runtimed::volumes {

inline constexpr int kVolumesSchemaVersion = 1;

struct CreateVolumeOptions {
  std::string name;  // "" → a random 64-hex name
  std::string driver;
  std::map<std::string, std::string> driver_opts;
  std::map<std::string, std::string> labels;
  bool anonymous = false;
};

class VolumeStore {
 public:
  // Stamps/checks the schema and loads every volume (see the crash notes).
  static absl::StatusOr<std::unique_ptr<VolumeStore>> Open(const std::string& volumes_dir);

  // Creates the volume, or returns the existing one of that name (Docker's
  // create is idempotent). InvalidArgument for a bad name, a driver other
  // than "local" or driver options.
  absl::StatusOr<v1::Volume> Create(const CreateVolumeOptions& options, absl::Time now);
  // NotFound "get <name>: no such volume".
  absl::StatusOr<v1::Volume> Get(const std::string& name) const;
  std::vector<v1::Volume> List() const;  // sorted by name
  // Deletes the record and the data. NotFound as Get.
  absl::Status Remove(const std::string& name);
  // Bytes below the volume's _data (regular files), -1 when unreadable.
  int64_t Size(const std::string& name) const;

  std::string DataDir(const std::string& name) const;

 private:
  explicit VolumeStore(std::string dir) : dir_(std::move(dir)) {}
  absl::Status Load();

  const std::string dir_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, v1::Volume> volumes_ ABSL_GUARDED_BY(mu_);
};

// Docker's volume list filters (pure). `in_use`: some container mounts it.
// InvalidArgument for a malformed dangling value.
absl::StatusOr<bool> MatchesFilters(const v1::Volume& volume, const v1::VolumeFilters& filters,
                                    bool in_use);

}  // namespace berth::runtimed::volumes
