// Container records on disk: one directory per container,
// `<state>/containers/<id>/record.json` (runtimed's private ContainerRecord as
// proto JSON, see container_record.proto and record_convert.h), written
// atomically. The state dir carries a schema version stamp.
//
// Schema versions: 1 kept the public berth.v1.Container as the record, so a
// public API change changed the disk format; 2 keeps the ContainerRecord. Open
// migrates a dir stamped 1 record by record (each file replaced atomically,
// already converted ones left alone) and stamps 2 only after all of them, so a
// crash mid-way loses nothing and the next Open finishes the job.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "berth/v1/types.pb.h"
#include "services/runtimed/paths.h"

namespace berth::runtimed::store {

inline constexpr int kSchemaVersion = 2;

class RecordStore {
 public:
  // Creates the layout if missing and stamps the version; migrates a dir of
  // schema version 1; FailedPrecondition when the state dir carries another
  // schema version (a newer one, or not a number).
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
