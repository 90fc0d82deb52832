#include <algorithm>

#include "services/imaged/image_manager.h"

#include <fcntl.h>
#include <prometheus/gauge.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/fs/fs.h"
#include "common/fs/state_version.h"
#include "common/log/log.h"
#include "common/status/status.h"
#include "services/imaged/reference/reference.h"
#include "spdlog/spdlog.h"

namespace berth::imaged {
namespace {

constexpr mode_t kPrivateDirMode = 0700;

// Creates `path` 0700 (its parent exists), or makes an existing one 0700. An
// existing path must be a directory owned by us (another owner could open it
// up again at any time) and, unless `follow` (the state dir itself, which an
// admin may well point elsewhere), not a symlink.
absl::Status EnsurePrivateDir(const std::string& path, bool follow = false) {
  if (::mkdir(path.c_str(), kPrivateDirMode) != 0 && errno != EEXIST) {
    return ErrnoToStatus(errno, absl::StrCat("mkdir '", path, "'"));
  }
  fs::ScopedFd fd(
      ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW)));
  if (!fd.valid()) {
    return ErrnoToStatus(errno, absl::StrCat("open store dir '", path,
                                             "' (it must be a directory, not a symlink)"));
  }
  struct stat st = {};
  if (::fstat(fd.get(), &st) != 0) return ErrnoToStatus(errno, absl::StrCat("stat '", path, "'"));
  if (st.st_uid != ::geteuid()) {
    return absl::FailedPreconditionError(absl::StrCat("store dir '", path, "' is owned by uid ",
                                                      st.st_uid, ", not by imaged's uid ",
                                                      ::geteuid()));
  }
  if ((st.st_mode & 07777) != kPrivateDirMode) {
    spdlog::warn("store dir '{}' had mode {:04o}; tightening it to {:04o}", path,
                 st.st_mode & 07777, kPrivateDirMode);
    if (::fchmod(fd.get(), kPrivateDirMode) != 0) {
      return ErrnoToStatus(errno, absl::StrCat("chmod '", path, "'"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

ImageManager::ImageManager(ImageManagerOptions options)
    : options_(std::move(options)),
      paths_(options_.state_dir),
      content_(paths_),
      layers_(paths_),
      images_(paths_),
      snapshots_(paths_) {}

absl::StatusOr<std::unique_ptr<ImageManager>> ImageManager::Create(ImageManagerOptions options) {
  if (options.state_dir.empty()) return absl::InvalidArgumentError("state dir is not set");
  // The state dir ends up in overlay option strings, where these characters
  // are separators.
  if (options.state_dir.find_first_of(",:\\") != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "state dir '", options.state_dir, "' must not contain ',', ':' or '\\'"));
  }
  BERTH_RETURN_IF_ERROR(layers::ValidateLimits(options.limits));
  std::unique_ptr<ImageManager> manager(new ImageManager(std::move(options)));
  BERTH_RETURN_IF_ERROR(manager->Recover());
  BERTH_RETURN_IF_ERROR(manager->events_.Persist(manager->paths_.root() + "/events.jsonl"));
  return manager;
}

void ImageManager::Emit(const std::string& action, const std::string& id,
                        const std::string& name) {
  events::EventRecord event;
  event.type = "image";
  event.action = action;
  event.id = id;
  event.attributes["name"] = name;
  events_.Emit(std::move(event));
}

absl::Time ImageManager::Now() const { return options_.clock ? options_.clock() : absl::Now(); }

absl::Status ImageManager::CheckSchemaVersion() {
  return fs::EnsureStateVersion(paths_.version_file(), kSchemaVersion, "imaged");
}

absl::Status ImageManager::Recover() {
  // Only the state dir's parents may be missing; they are not ours, so they
  // keep the default mode. Everything from the state dir down is private
  // (see paths.h for why containers need no access).
  if (::access(paths_.root().c_str(), F_OK) != 0) {
    BERTH_RETURN_IF_ERROR(fs::MakeDirs(paths_.root(), kPrivateDirMode));
  }
  BERTH_RETURN_IF_ERROR(EnsurePrivateDir(paths_.root(), /*follow=*/true));
  BERTH_RETURN_IF_ERROR(CheckSchemaVersion());
  // Whatever is in tmp/ was an upload, an unpack or a snapshot that never got
  // published: nothing refers to it.
  BERTH_RETURN_IF_ERROR(fs::RemoveTree(paths_.tmp_dir()));
  for (const std::string& dir : paths_.private_dirs()) {
    BERTH_RETURN_IF_ERROR(EnsurePrivateDir(dir, /*follow=*/dir == paths_.root()));
  }

  absl::MutexLock lock(&mu_);
  BERTH_RETURN_IF_ERROR(layers_.Recover());
  BERTH_RETURN_IF_ERROR(images_.Recover([this](const std::string& id)
                                            -> absl::StatusOr<metadata::OciImage> {
    BERTH_ASSIGN_OR_RETURN(std::string json, content_.Read(id));
    return metadata::ParseOciImage(json);
  }));
  // An image whose layers are gone cannot be run; drop it rather than fail later.
  for (const metadata::ImageRecord* image : images_.List()) {
    for (const auto& chain : image->layers) {
      if (layers_.Get(chain) == nullptr) {
        std::string id = image->id;
        spdlog::warn("image={} layer {} is missing; dropping the image", id, chain);
        BERTH_RETURN_IF_ERROR(images_.Delete(id));
        break;
      }
    }
  }
  BERTH_RETURN_IF_ERROR(snapshots_.Recover());
  BERTH_RETURN_IF_ERROR(CollectGarbage());
  UpdateGauges();
  spdlog::info("imaged store '{}': {} images, {} layers, {} snapshots", paths_.root(),
               images_.List().size(), layers_.List().size(), snapshots_.List().size());
  return absl::OkStatus();
}

absl::Status ImageManager::CollectGarbage() {
  std::set<std::string> used_layers;
  std::set<std::string> used_blobs;
  for (const metadata::ImageRecord* image : images_.List()) {
    used_blobs.insert(image->id);
    used_layers.insert(image->layers.begin(), image->layers.end());
  }
  for (const snapshots::SnapshotRecord* snapshot : snapshots_.List()) {
    used_layers.insert(snapshot->layers.begin(), snapshot->layers.end());
  }
  for (const layers::LayerRecord& layer : layers_.List()) {
    if (used_layers.count(layer.chain_id) > 0) {
      if (!layer.blob_digest.empty()) used_blobs.insert(layer.blob_digest);
      continue;
    }
    spdlog::info("removing unused layer {}", layer.chain_id);
    BERTH_RETURN_IF_ERROR(layers_.Remove(layer.chain_id));
  }
  BERTH_ASSIGN_OR_RETURN(std::vector<std::string> blobs, content_.List());
  for (const auto& blob : blobs) {
    if (used_blobs.count(blob) == 0) {
      spdlog::info("removing unused blob {}", blob);
      BERTH_RETURN_IF_ERROR(content_.Delete(blob));
    }
  }
  return absl::OkStatus();
}

void ImageManager::UpdateGauges() {
  if (options_.metrics == nullptr) return;
  options_.metrics->images->Set(static_cast<double>(images_.List().size()));
  options_.metrics->layers->Set(static_cast<double>(layers_.List().size()));
  options_.metrics->snapshots->Set(static_cast<double>(snapshots_.List().size()));
  double layer_bytes = 0;
  for (const layers::LayerRecord& layer : layers_.List()) layer_bytes += static_cast<double>(layer.size);
  options_.metrics->store_layer_bytes->Set(layer_bytes);
  double blob_bytes = 0;
  if (absl::StatusOr<std::vector<std::string>> blobs = content_.List(); blobs.ok()) {
    for (const std::string& blob : *blobs) {
      if (absl::StatusOr<int64_t> size = content_.Size(blob); size.ok()) blob_bytes += *size;
    }
  }
  options_.metrics->store_blob_bytes->Set(blob_bytes);
}

absl::StatusOr<std::string> ImageManager::ResolveLocked(const std::string& ref) const {
  absl::Status not_found = absl::NotFoundError(absl::StrCat("No such image: ", ref));
  auto by_hex = [&](const std::string& hex) -> absl::StatusOr<std::string> {
    if (reference::IsFullHexId(hex)) {
      std::string id = absl::StrCat("sha256:", hex);
      if (images_.Get(id) == nullptr) return not_found;
      return id;
    }
    absl::StatusOr<std::string> id = images_.ResolvePrefix(hex);
    if (absl::IsNotFound(id.status())) return not_found;
    return id;
  };
  if (absl::StartsWith(ref, "sha256:")) {
    std::string hex = ref.substr(7);
    if (!reference::IsHexPrefix(hex)) return not_found;
    return by_hex(hex);
  }
  if (reference::IsFullHexId(ref)) return by_hex(ref);
  absl::StatusOr<reference::Reference> parsed = reference::ParseNormalized(ref);
  if (parsed.ok() && parsed->digest.empty()) {
    // A tag wins over an id prefix: "deadbeef" may well be a repository name.
    std::string id = images_.LookupTag(reference::WithDefaultTag(*parsed).FamiliarString());
    if (!id.empty()) return id;
  }
  if (reference::IsHexPrefix(ref)) return by_hex(ref);
  if (!parsed.ok()) return parsed.status();
  if (!parsed->digest.empty()) {
    // "name@sha256:..." names the image pulled (or pushed) under that
    // manifest digest: a repo digest of its record (as dockerd resolves it).
    reference::Reference name = *parsed;
    name.tag.clear();
    const std::string wanted = name.FamiliarString();
    for (const metadata::ImageRecord* record : images_.List()) {
      if (std::find(record->repo_digests.begin(), record->repo_digests.end(), wanted) !=
          record->repo_digests.end()) {
        return record->id;
      }
    }
  }
  return not_found;
}

Image ImageManager::ToImage(const metadata::ImageRecord& record) const {
  Image image;
  image.id = record.id;
  image.repo_tags = images_.TagsOf(record.id);
  image.repo_digests = record.repo_digests;
  image.created = record.config.created;
  image.size = record.size;
  image.config = record.config.config;
  image.diff_ids = record.config.diff_ids;
  image.architecture = record.config.architecture;
  image.os = record.config.os;
  image.comment = record.config.comment;
  image.author = record.config.author;
  image.parent = record.parent;
  return image;
}

std::vector<Image> ImageManager::List(bool all) const {
  absl::ReaderMutexLock lock(&mu_);
  std::set<std::string> parents;
  for (const metadata::ImageRecord* record : images_.List()) {
    if (!record->parent.empty()) parents.insert(record->parent);
  }
  std::vector<Image> out;
  for (const metadata::ImageRecord* record : images_.List()) {
    if (!all && parents.count(record->id) != 0 && images_.TagsOf(record->id).empty()) continue;
    out.push_back(ToImage(*record));
  }
  return out;
}

absl::StatusOr<Image> ImageManager::Inspect(const std::string& ref) const {
  absl::ReaderMutexLock lock(&mu_);
  BERTH_ASSIGN_OR_RETURN(std::string id, ResolveLocked(ref));
  return ToImage(*images_.Get(id));
}

absl::Status ImageManager::Tag(const std::string& source, const std::string& target) {
  BERTH_ASSIGN_OR_RETURN(reference::Reference ref, reference::ParseTagTarget(target, ""));
  absl::MutexLock lock(&mu_);
  BERTH_ASSIGN_OR_RETURN(std::string id, ResolveLocked(source));
  BERTH_RETURN_IF_ERROR(images_.SetTag(ref.FamiliarString(), id));
  spdlog::info("image={} tagged {}", id, ref.FamiliarString());
  Emit("tag", id, ref.FamiliarString());
  return absl::OkStatus();
}

absl::StatusOr<std::vector<snapshots::Mount>> ImageManager::PrepareSnapshot(
    const std::string& key, const std::string& image_ref) {
  BERTH_RETURN_IF_ERROR(snapshots::ValidateSnapshotKey(key));
  absl::MutexLock lock(&mu_);
  BERTH_ASSIGN_OR_RETURN(std::string id, ResolveLocked(image_ref));
  if (snapshots_.Get(key) != nullptr) {
    return absl::AlreadyExistsError(absl::StrCat("snapshot '", key, "' already exists"));
  }
  const metadata::ImageRecord* image = images_.Get(id);
  std::vector<std::string> lower_dirs;
  for (auto it = image->layers.rbegin(); it != image->layers.rend(); ++it) {
    const layers::LayerRecord* layer = layers_.Get(*it);
    BERTH_CHECK(layer != nullptr);  // Recover() and Remove() keep images' layers present.
    lower_dirs.push_back(layers_.DiffPath(*layer));
  }
  BERTH_ASSIGN_OR_RETURN(snapshots::Mount mount,
                         snapshots::BuildOverlayMount(lower_dirs, paths_.snapshot_upper(key),
                                                      paths_.snapshot_work(key)));
  BERTH_RETURN_IF_ERROR(snapshots_.Create({key, id, image->layers, Now()}));
  UpdateGauges();
  spdlog::info("snapshot={} prepared on image={}", key, id);
  return std::vector<snapshots::Mount>{mount};
}

absl::Status ImageManager::RemoveSnapshot(const std::string& key) {
  BERTH_RETURN_IF_ERROR(snapshots::ValidateSnapshotKey(key));
  absl::MutexLock lock(&mu_);
  const snapshots::SnapshotRecord* snapshot = snapshots_.Get(key);
  if (snapshot == nullptr) return absl::OkStatus();
  std::string image_id = snapshot->image_id;
  BERTH_RETURN_IF_ERROR(snapshots_.Remove(key));
  spdlog::info("snapshot={} removed", key);
  // A force-removed image may have left layers alive only for this snapshot.
  if (images_.Get(image_id) == nullptr) BERTH_RETURN_IF_ERROR(CollectGarbage());
  UpdateGauges();
  return absl::OkStatus();
}

std::vector<std::string> ImageManager::ListSnapshots() const {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<std::string> keys;
  for (const snapshots::SnapshotRecord* s : snapshots_.List()) keys.push_back(s->key);
  return keys;
}

}  // namespace berth::imaged
