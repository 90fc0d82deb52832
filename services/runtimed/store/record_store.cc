#include "services/runtimed/store/record_store.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "common/fs/fs.h"
#include "common/fs/state_version.h"
#include "common/status/status.h"
#include "google/protobuf/util/json_util.h"
#include "spdlog/spdlog.h"

namespace berth::runtimed::store {

absl::StatusOr<std::unique_ptr<RecordStore>> RecordStore::Open(const Paths& paths) {
  // The stamp first: a layout this runtimed does not know is refused before
  // anything in it is made or read.
  BERTH_RETURN_IF_ERROR(fs::EnsureStateVersion(paths.VersionFile(), kSchemaVersion, "runtimed"));
  BERTH_RETURN_IF_ERROR(fs::MakeDirs(paths.ContainersDir(), 0700));
  return std::unique_ptr<RecordStore>(new RecordStore(paths));
}

absl::Status RecordStore::Save(const v1::Container& record) {
  BERTH_RETURN_IF_ERROR(fs::MakeDirs(paths_.ContainerDir(record.id()), 0700));
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  auto status = google::protobuf::util::MessageToJsonString(record, &json, options);
  if (!status.ok()) {
    return absl::InternalError(absl::StrCat("encode record: ", status.ToString()));
  }
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
    v1::Container record;
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = true;
    auto status = google::protobuf::util::JsonStringToMessage(*text, &record, options);
    if (!status.ok() || record.id() != id) {
      spdlog::warn("container={} malformed record skipped: {}", id, status.ToString());
      continue;
    }
    records.push_back(std::move(record));
  }
  if (ec) return ErrnoToStatus(ec.value(), "list containers");
  return records;
}

absl::Status RecordStore::Delete(const std::string& id) {
  return fs::RemoveTree(paths_.ContainerDir(id));
}

}  // namespace berth::runtimed::store
