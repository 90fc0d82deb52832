#include "services/imaged/snapshots/snapshot_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/fs/fs.h"
#include "common/status/status.h"
#include "services/imaged/content/digest.h"
#include "services/imaged/metadata/image_config.h"
#include "spdlog/spdlog.h"

namespace berth::imaged::snapshots {
namespace {

using Json = nlohmann::json;

// Linux passes mount data in a single page.
constexpr size_t kMaxMountData = 4096 - 1;

std::string RecordToJson(const SnapshotRecord& r) {
  return Json{{"key", r.key},
              {"image_id", r.image_id},
              {"layers", r.layers},
              {"created", metadata::FormatRfc3339(r.created)}}
      .dump();
}

absl::StatusOr<SnapshotRecord> RecordFromJson(const std::string& text) {
  try {
    auto j = Json::parse(text);
    SnapshotRecord r;
    r.key = j.at("key").get<std::string>();
    r.image_id = j.at("image_id").get<std::string>();
    r.layers = j.at("layers").get<std::vector<std::string>>();
    std::string err;
    if (!absl::ParseTime(absl::RFC3339_full, j.value("created", ""), &r.created, &err)) {
      r.created = absl::UnixEpoch();
    }
    return r;
  } catch (const Json::exception& e) {
    return absl::DataLossError(absl::StrCat("snapshot record: ", e.what()));
  }
}

// rm -rf that never descends into a mount: common's fs::RemoveTree
// (std::filesystem::remove_all) would delete the content of anything still
// mounted inside an upper dir. A mount root found on the way is EBUSY.
absl::Status RemoveTreeAt(int dirfd, const std::string& name, const std::string& shown) {
  struct statx stx = {};
  if (::statx(dirfd, name.c_str(), AT_SYMLINK_NOFOLLOW, STATX_TYPE, &stx) != 0) {
    if (errno == ENOENT) return absl::OkStatus();
    return ErrnoToStatus(errno, absl::StrCat("stat '", shown, "'"));
  }
  if ((stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) != 0 &&
      (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0) {
    return ErrnoToStatus(EBUSY, absl::StrCat("'", shown, "' is a mount point"));
  }
  if (!S_ISDIR(stx.stx_mode)) {
    if (::unlinkat(dirfd, name.c_str(), 0) != 0 && errno != ENOENT) {
      return ErrnoToStatus(errno, absl::StrCat("unlink '", shown, "'"));
    }
    return absl::OkStatus();
  }
  int fd = ::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return ErrnoToStatus(errno, absl::StrCat("open '", shown, "'"));
  DIR* dir = ::fdopendir(fd);
  if (dir == nullptr) {
    ::close(fd);
    return ErrnoToStatus(errno, absl::StrCat("opendir '", shown, "'"));
  }
  absl::Status status;
  while (struct dirent* e = ::readdir(dir)) {
    std::string child = e->d_name;
    if (child == "." || child == "..") continue;
    status = RemoveTreeAt(fd, child, absl::StrCat(shown, "/", child));
    if (!status.ok()) break;
  }
  ::closedir(dir);
  BERTH_RETURN_IF_ERROR(status);
  if (::unlinkat(dirfd, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT) {
    return ErrnoToStatus(errno, absl::StrCat("rmdir '", shown, "'"));
  }
  return absl::OkStatus();
}

absl::Status RemoveTreeNoCrossing(const std::string& path) {
  return RemoveTreeAt(AT_FDCWD, path, path);
}

absl::Status CheckOverlayPath(const std::string& path) {
  if (path.find_first_of(",:\\") != std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("path '", path, "' cannot be used in overlay options"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateSnapshotKey(const std::string& key) {
  bool ok = !key.empty() && key.size() <= 128 && absl::ascii_isalnum(key[0]);
  for (char c : key) {
    ok = ok && (absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' ||
                c == '-');
  }
  if (!ok) return absl::InvalidArgumentError(absl::StrCat("invalid snapshot key '", key, "'"));
  return absl::OkStatus();
}

absl::StatusOr<Mount> BuildOverlayMount(const std::vector<std::string>& lower_dirs_top_first,
                                        const std::string& upper, const std::string& work) {
  if (lower_dirs_top_first.empty()) {
    return absl::InvalidArgumentError("an overlay needs at least one lower dir");
  }
  for (const auto& d : lower_dirs_top_first) BERTH_RETURN_IF_ERROR(CheckOverlayPath(d));
  BERTH_RETURN_IF_ERROR(CheckOverlayPath(upper));
  BERTH_RETURN_IF_ERROR(CheckOverlayPath(work));
  Mount m;
  m.type = "overlay";
  m.source = "overlay";
  m.target = "/";
  m.options = {absl::StrCat("lowerdir=", absl::StrJoin(lower_dirs_top_first, ":")),
               absl::StrCat("upperdir=", upper), absl::StrCat("workdir=", work)};
  // Whoever mounts joins the options with ',' and may add a few of its own;
  // refuse here rather than fail at container start with a bare EINVAL.
  size_t length = absl::StrJoin(m.options, ",").size();
  if (length > kMaxMountData) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "overlay options are ", length, " bytes; the kernel accepts at most ", kMaxMountData));
  }
  return m;
}

absl::Status SnapshotStore::Recover() {
  snapshots_.clear();
  DIR* dir = ::opendir(paths_.snapshots_dir().c_str());
  if (dir == nullptr) {
    return ErrnoToStatus(errno, absl::StrCat("open '", paths_.snapshots_dir(), "'"));
  }
  std::vector<std::string> names;
  while (struct dirent* e = ::readdir(dir)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(dir);
  for (const auto& name : names) {
    auto text = fs::ReadFile(paths_.snapshot_meta(name));
    absl::StatusOr<SnapshotRecord> record =
        text.ok() ? RecordFromJson(*text) : absl::StatusOr<SnapshotRecord>(text.status());
    if (!record.ok() || record->key != name) {
      spdlog::warn("removing leftover snapshot dir '{}'", name);
      absl::Status removed = RemoveTreeNoCrossing(paths_.snapshot_dir(name));
      if (!removed.ok()) spdlog::warn("snapshot dir '{}': {}", name, removed.ToString());
      continue;
    }
    snapshots_[name] = *std::move(record);
  }
  return absl::OkStatus();
}

absl::Status SnapshotStore::Create(const SnapshotRecord& record) {
  BERTH_RETURN_IF_ERROR(ValidateSnapshotKey(record.key));
  if (snapshots_.count(record.key) > 0) {
    return absl::AlreadyExistsError(absl::StrCat("snapshot '", record.key, "' already exists"));
  }
  std::string staging = absl::StrCat(paths_.tmp_dir(), "/snap-", content::RandomId(16));
  auto cleanup = [&] { (void)fs::RemoveTree(staging); };
  for (const std::string& dir : {staging, absl::StrCat(staging, "/upper"),
                                 absl::StrCat(staging, "/work")}) {
    if (::mkdir(dir.c_str(), 0755) != 0) {
      int err = errno;
      cleanup();
      return ErrnoToStatus(err, absl::StrCat("mkdir '", dir, "'"));
    }
  }
  absl::Status status =
      fs::WriteFileAtomically(absl::StrCat(staging, "/meta.json"), RecordToJson(record));
  if (status.ok() &&
      ::rename(staging.c_str(), paths_.snapshot_dir(record.key).c_str()) != 0) {
    status = ErrnoToStatus(errno, absl::StrCat("publish snapshot '", record.key, "'"));
  }
  if (!status.ok()) {
    cleanup();
    return status;
  }
  fs::ScopedFd dir(::open(paths_.snapshots_dir().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.valid()) ::fsync(dir.get());
  snapshots_[record.key] = record;
  return absl::OkStatus();
}

absl::Status SnapshotStore::Remove(const std::string& key) {
  BERTH_RETURN_IF_ERROR(ValidateSnapshotKey(key));
  if (snapshots_.count(key) == 0) {
    // Not ours (or already gone); a leftover directory is cleaned by Recover().
    return absl::OkStatus();
  }
  // The upper dir first: if it is still busy, the record stays and the caller
  // can retry once the container's mount is gone.
  for (const std::string& dir : {paths_.snapshot_upper(key), paths_.snapshot_work(key)}) {
    absl::Status status = RemoveTreeNoCrossing(dir);
    if (!status.ok()) {
      if (absl::IsFailedPrecondition(status)) {
        return absl::FailedPreconditionError(
            absl::StrCat("snapshot '", key, "' is still in use: ", status.message()));
      }
      return status;
    }
  }
  snapshots_.erase(key);
  return RemoveTreeNoCrossing(paths_.snapshot_dir(key));
}

const SnapshotRecord* SnapshotStore::Get(const std::string& key) const {
  auto it = snapshots_.find(key);
  return it == snapshots_.end() ? nullptr : &it->second;
}

std::vector<const SnapshotRecord*> SnapshotStore::List() const {
  std::vector<const SnapshotRecord*> out;
  for (const auto& [key, r] : snapshots_) out.push_back(&r);
  return out;
}

}  // namespace berth::imaged::snapshots
