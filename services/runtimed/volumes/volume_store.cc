#include "services/runtimed/volumes/volume_store.h"

#include <sys/stat.h>

#include <filesystem>

#include "absl/random/random.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/fs/fs.h"
#include "common/fs/state_version.h"
#include "common/status/status.h"
#include "google/protobuf/util/json_util.h"
#include "services/runtimed/volumes/mount_spec.h"
#include "spdlog/spdlog.h"
#include "common/time/proto_time.h"

namespace berth::runtimed::volumes {
namespace {

constexpr char kRecord[] = "volume.json";

std::string RandomName() {
  absl::BitGen gen;
  std::string name;
  for (int i = 0; i < 4; ++i) name += absl::StrFormat("%016x", absl::Uniform<uint64_t>(gen));
  return name;
}

}  // namespace

absl::StatusOr<std::unique_ptr<VolumeStore>> VolumeStore::Open(const std::string& volumes_dir) {
  BERTH_RETURN_IF_ERROR(
      fs::EnsureStateVersion(volumes_dir + "/VERSION", kVolumesSchemaVersion, "runtimed volumes"));
  std::unique_ptr<VolumeStore> store(new VolumeStore(volumes_dir));
  BERTH_RETURN_IF_ERROR(store->Load());
  return store;
}

std::string VolumeStore::DataDir(const std::string& name) const {
  return absl::StrCat(dir_, "/", name, "/_data");
}

absl::Status VolumeStore::Load() {
  std::error_code ec;
  absl::MutexLock lock(&mu_);
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    if (!entry.is_directory()) continue;
    std::string name = entry.path().filename().string();
    std::string record_path = absl::StrCat(entry.path().string(), "/", kRecord);
    auto text = fs::ReadFile(record_path);
    if (!text.ok()) {
      if (absl::IsNotFound(text.status())) {
        spdlog::warn("volume={} has no record (a create or remove did not finish); removing it",
                     name);
        (void)fs::RemoveTree(entry.path().string());
      } else {
        spdlog::warn("volume={} unreadable record skipped: {}", name, text.status().ToString());
      }
      continue;
    }
    v1::Volume volume;
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = true;
    auto status = google::protobuf::util::JsonStringToMessage(*text, &volume, options);
    if (!status.ok() || volume.name() != name) {
      spdlog::warn("volume={} malformed record skipped (data kept): {}", name, status.ToString());
      continue;
    }
    volume.set_mountpoint(DataDir(name));
    volumes_[name] = std::move(volume);
  }
  if (ec) return ErrnoToStatus(ec.value(), absl::StrCat("list volumes in '", dir_, "'"));
  return absl::OkStatus();
}

absl::StatusOr<v1::Volume> VolumeStore::Create(const CreateVolumeOptions& options,
                                               absl::Time now) {
  if (!options.driver.empty() && options.driver != "local") {
    return absl::InvalidArgumentError(absl::StrCat(
        "volume driver \"", options.driver, "\" is not supported: only \"local\" is"));
  }
  if (!options.driver_opts.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "volume driver options are not supported (got '", options.driver_opts.begin()->first,
        "'): a local volume is a plain directory"));
  }
  std::string name = options.name.empty() ? RandomName() : options.name;
  if (!IsValidVolumeName(name)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "create ", name, ": \"", name,
        "\" includes invalid characters for a local volume name, only "
        "\"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed"));
  }
  absl::MutexLock lock(&mu_);
  auto it = volumes_.find(name);
  if (it != volumes_.end()) return it->second;
  v1::Volume volume;
  volume.set_name(name);
  volume.set_driver("local");
  volume.set_mountpoint(DataDir(name));
  for (const auto& [k, v] : options.labels) (*volume.mutable_labels())[k] = v;
  *volume.mutable_created() = ToTimestamp(now);
  volume.set_anonymous(options.anonymous);
  std::string context = absl::StrCat("create volume '", name, "'");
  BERTH_RETURN_IF_ERROR(Annotate(fs::MakeDirs(absl::StrCat(dir_, "/", name), 0701), context));
  // Created with the final mode: MakeDirs' umask does not decide what the
  // container sees at the mount's root (copy-up may change it later).
  if (mkdir(volume.mountpoint().c_str(), 0755) != 0 && errno != EEXIST) {
    return ErrnoToStatus(errno, context);
  }
  (void)chmod(volume.mountpoint().c_str(), 0755);
  std::string json;
  google::protobuf::util::JsonPrintOptions print;
  print.add_whitespace = true;
  print.preserve_proto_field_names = true;
  if (!google::protobuf::util::MessageToJsonString(volume, &json, print).ok()) {
    return absl::InternalError(absl::StrCat(context, ": encode record"));
  }
  BERTH_RETURN_IF_ERROR(Annotate(
      fs::WriteFileAtomically(absl::StrCat(dir_, "/", name, "/", kRecord), json, 0600), context));
  volumes_[name] = volume;
  spdlog::info("volume={} created{}", name, volume.anonymous() ? " (anonymous)" : "");
  return volume;
}

absl::StatusOr<v1::Volume> VolumeStore::Get(const std::string& name) const {
  absl::MutexLock lock(&mu_);
  auto it = volumes_.find(name);
  if (it == volumes_.end()) {
    return absl::NotFoundError(absl::StrCat("get ", name, ": no such volume"));
  }
  return it->second;
}

std::vector<v1::Volume> VolumeStore::List() const {
  absl::MutexLock lock(&mu_);
  std::vector<v1::Volume> out;
  for (const auto& [name, volume] : volumes_) out.push_back(volume);
  std::sort(out.begin(), out.end(),
            [](const v1::Volume& a, const v1::Volume& b) { return a.name() < b.name(); });
  return out;
}

absl::Status VolumeStore::Remove(const std::string& name) {
  absl::MutexLock lock(&mu_);
  if (!volumes_.contains(name)) {
    return absl::NotFoundError(absl::StrCat("get ", name, ": no such volume"));
  }
  std::string dir = absl::StrCat(dir_, "/", name);
  std::string context = absl::StrCat("remove volume '", name, "'");
  // The record first: from here on the volume is gone even if the data
  // removal is cut short (Open() finishes it).
  if (unlink(absl::StrCat(dir, "/", kRecord).c_str()) != 0 && errno != ENOENT) {
    return ErrnoToStatus(errno, context);
  }
  volumes_.erase(name);
  BERTH_RETURN_IF_ERROR(Annotate(fs::RemoveTree(dir), context));
  spdlog::info("volume={} removed", name);
  return absl::OkStatus();
}

int64_t VolumeStore::Size(const std::string& name) const {
  std::error_code ec;
  int64_t total = 0;
  auto options = std::filesystem::directory_options::skip_permission_denied;
  for (std::filesystem::recursive_directory_iterator it(DataDir(name), options, ec), end;
       !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec) && !it->is_symlink(ec)) {
      total += static_cast<int64_t>(it->file_size(ec));
    }
  }
  return ec ? -1 : total;
}

absl::StatusOr<bool> MatchesFilters(const v1::Volume& volume, const v1::VolumeFilters& filters,
                                    bool in_use) {
  if (!filters.dangling().empty()) {
    const std::string& d = filters.dangling();
    bool want_dangling;
    if (d == "true" || d == "1") {
      want_dangling = true;
    } else if (d == "false" || d == "0") {
      want_dangling = false;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid filter 'dangling=", d, "'"));
    }
    if (want_dangling == in_use) return false;
  }
  if (!filters.name().empty()) {
    bool any = false;
    for (const auto& n : filters.name()) any |= absl::StrContains(volume.name(), n);
    if (!any) return false;
  }
  if (!filters.driver().empty()) {
    bool any = false;
    for (const auto& d : filters.driver()) any |= d == volume.driver();
    if (!any) return false;
  }
  for (const auto& label : filters.label()) {
    size_t eq = label.find('=');
    std::string key = label.substr(0, eq);
    auto it = volume.labels().find(key);
    if (it == volume.labels().end()) return false;
    if (eq != std::string::npos && it->second != label.substr(eq + 1)) return false;
  }
  return true;
}

}  // namespace berth::runtimed::volumes
