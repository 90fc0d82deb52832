#include "services/runtimed/store/record_store.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "common/fs/fs.h"
#include "common/fs/state_version.h"
#include "common/status/status.h"
#include "services/runtimed/store/record_convert.h"
#include "spdlog/spdlog.h"

namespace berth::runtimed::store {
namespace {

// Schema 1 → 2: rewrites each berth.v1.Container record as a ContainerRecord.
// Safe to run again after a crash part-way (the stamp still says 1 then): a
// record already converted is left alone, and each file is replaced
// atomically, so every record is whole in one format or the other. A record
// that cannot be read as either is left as it was (LoadAll skips it, as it
// skipped a malformed record before); an I/O error stops the migration, so
// the stamp never moves past a record that was not converted.
absl::Status MigrateFromV1(const Paths& paths) {
  std::error_code ec;
  if (!std::filesystem::exists(paths.ContainersDir(), ec)) return absl::OkStatus();
  int converted = 0;
  for (const auto& entry : std::filesystem::directory_iterator(paths.ContainersDir(), ec)) {
    if (!entry.is_directory()) continue;
    std::string id = entry.path().filename().string();
    auto text = fs::ReadFile(paths.RecordFile(id));
    if (absl::IsNotFound(text.status())) continue;  // LoadAll removes the empty dir
    if (!text.ok()) return text.status();
    absl::StatusOr<uint32_t> version = RecordVersionOf(*text);
    if (version.ok() && *version == kRecordVersion) continue;  // converted before a crash
    if (version.ok() && *version != 0) {
      spdlog::warn("container={} record of unknown version {} left as it is", id, *version);
      continue;
    }
    absl::StatusOr<v1::Container> container = DecodeV1Record(*text);
    if (!container.ok() || container->id() != id) {
      spdlog::warn("container={} malformed version 1 record left as it is: {}", id,
                   container.status().ToString());
      continue;
    }
    BERTH_ASSIGN_OR_RETURN(std::string json, EncodeRecord(*container));
    BERTH_RETURN_IF_ERROR(fs::WriteFileAtomically(paths.RecordFile(id), json, 0600));
    ++converted;
  }
  if (ec) return ErrnoToStatus(ec.value(), "list containers");
  spdlog::info("state dir {}: {} container record(s) converted to record version {}",
               paths.state_dir(), converted, kRecordVersion);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<RecordStore>> RecordStore::Open(const Paths& paths) {
  // runtimed has stamped its dir since its first version, so records without
  // a stamp mean a lost stamp: treat them as version 1, which is always safe
  // (the migration leaves records already converted alone).
  std::error_code ec;
  if (!std::filesystem::exists(paths.VersionFile(), ec) &&
      std::filesystem::exists(paths.ContainersDir(), ec)) {
    spdlog::warn("state dir {} has container records but no schema version stamp; "
                 "reading it as version 1",
                 paths.state_dir());
    BERTH_RETURN_IF_ERROR(fs::WriteFileAtomically(paths.VersionFile(), "1\n"));
  }
  // The stamp first: a layout this runtimed does not know is refused before
  // anything in it is made or read.
  fs::StateVersionSpec spec;
  spec.stamp_path = paths.VersionFile();
  spec.supported = kSchemaVersion;
  spec.owner = "runtimed";
  spec.migrations.push_back({1, [&paths] { return MigrateFromV1(paths); }});
  BERTH_RETURN_IF_ERROR(fs::EnsureStateVersion(spec));
  BERTH_RETURN_IF_ERROR(fs::MakeDirs(paths.ContainersDir(), 0700));
  return std::unique_ptr<RecordStore>(new RecordStore(paths));
}

absl::Status RecordStore::Save(const v1::Container& record) {
  BERTH_RETURN_IF_ERROR(fs::MakeDirs(paths_.ContainerDir(record.id()), 0700));
  BERTH_ASSIGN_OR_RETURN(std::string json, EncodeRecord(record));
  return fs::WriteFileAtomically(paths_.RecordFile(record.id()), json, 0600);
}

absl::StatusOr<std::vector<v1::Container>> RecordStore::LoadAll() {
  std::vector<v1::Container> records;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(paths_.ContainersDir(), ec)) {
    if (!entry.is_directory()) continue;
    std::string id = entry.path().filename().string();
    auto text = fs::ReadFile(paths_.RecordFile(id));
    if (!text.ok()) {
      spdlog::warn("container={} no readable record ({}); removing its dir", id,
                   text.status().ToString());
      (void)fs::RemoveTree(paths_.ContainerDir(id));
      continue;
    }
    absl::StatusOr<v1::Container> record = DecodeRecord(*text);
    if (!record.ok() || record->id() != id) {
      spdlog::warn("container={} malformed record skipped: {}", id, record.status().ToString());
      continue;
    }
    records.push_back(*std::move(record));
  }
  if (ec) return ErrnoToStatus(ec.value(), "list containers");
  return records;
}

absl::Status RecordStore::Delete(const std::string& id) {
  return fs::RemoveTree(paths_.ContainerDir(id));
}

}  // namespace berth::runtimed::store
