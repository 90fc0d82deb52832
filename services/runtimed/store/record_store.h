// Container records on disk: one directory per container,
// `<state>/containers/<id>/record.json` (the berth.v1.Container as proto JSON),
// written atomically. The state dir carries a schema version stamp.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "berth/v1/types.pb.h"
#include "services/runtimed/paths.h"

namespace berth::runtimed::store {

inline constexpr int kSchemaVersion = 1;

class RecordStore {
 public:
  // Creates the layout if missing and stamps the version; FailedPrecondition
  // when the state dir carries another schema version.
  static absl::StatusOr<std::unique_ptr<RecordStore>> Open(const Paths& paths);

  // Creates the container dir if needed and writes the record atomically.
  absl::Status Save(const v1::Container& record);
  // All records; unreadable ones are skipped with a warning (a crash between
  // mkdir and the first write leaves an empty dir, which is removed).
  absl::StatusOr<std::vector<v1::Container>> LoadAll();
  // Removes the container's whole directory (record, log, config).
  absl::Status Delete(const std::string& id);

 private:
  explicit RecordStore(const Paths& paths) : paths_(paths) {}
  Paths paths_;
};

}  // namespace berth::runtimed::store
