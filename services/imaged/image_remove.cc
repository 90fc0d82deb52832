// ImageManager::Remove: Docker's `rmi` semantics on our stores.
//
// Deletion order keeps the store consistent after a crash at any step: tags
// first, then the image record (the commit point), then the config blob and
// the layers nobody uses any more. Anything a crash leaves unreferenced is
// reclaimed by CollectGarbage() in Recover().
#include <prometheus/counter.h>

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status/status.h"
#include "services/imaged/image_manager.h"
#include "services/imaged/reference/reference.h"
#include "spdlog/spdlog.h"

namespace berth::imaged {
namespace {

// Docker's short id: 12 hex digits without the algorithm.
std::string ShortId(const std::string& id) {
  std::string hex = absl::StartsWith(id, "sha256:") ? id.substr(7) : id;
  return hex.substr(0, 12);
}

// "busybox:latest" → "busybox"; "localhost:5000/a:v1" → "localhost:5000/a".
std::string RepositoryOf(const std::string& tag) {
  size_t slash = tag.rfind('/');
  size_t colon = tag.rfind(':');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
    return tag.substr(0, colon);
  }
  return tag;
}

}  // namespace

absl::Status ImageManager::CheckNotInUse(const std::string& id, const std::string& ref,
                                         bool by_tag) const {
  for (const snapshots::SnapshotRecord* snapshot : snapshots_.List()) {
    if (snapshot->image_id != id) continue;
    if (by_tag) {
      return absl::FailedPreconditionError(absl::StrCat(
          "conflict: unable to remove repository reference \"", ref,
          "\" (must force) - container ", ShortId(snapshot->key),
          " is using its referenced image ", ShortId(id)));
    }
    return absl::FailedPreconditionError(
        absl::StrCat("conflict: unable to delete ", ShortId(id),
                     " (must be forced) - image is being used by container ",
                     ShortId(snapshot->key)));
  }
  return absl::OkStatus();
}

absl::Status ImageManager::DeleteImageLocked(const std::string& id, RemoveResult& result) {
  const metadata::ImageRecord* record = images_.Get(id);
  if (record == nullptr) return absl::OkStatus();
  std::vector<std::string> image_layers = record->layers;
  BERTH_RETURN_IF_ERROR(images_.Delete(id));
  result.deleted.push_back(id);
  if (options_.metrics != nullptr) options_.metrics->images_removed->Increment();
  BERTH_RETURN_IF_ERROR(content_.Delete(id));

  std::set<std::string> still_used;
  for (const metadata::ImageRecord* image : images_.List()) {
    still_used.insert(image->layers.begin(), image->layers.end());
  }
  for (const snapshots::SnapshotRecord* snapshot : snapshots_.List()) {
    still_used.insert(snapshot->layers.begin(), snapshot->layers.end());
  }
  // Top layer first, as Docker reports them.
  for (auto it = image_layers.rbegin(); it != image_layers.rend(); ++it) {
    if (still_used.count(*it) > 0) continue;
    const layers::LayerRecord* layer = layers_.Get(*it);
    if (layer == nullptr) continue;
    std::string blob = layer->blob_digest;
    BERTH_RETURN_IF_ERROR(layers_.Remove(*it));
    if (!blob.empty()) BERTH_RETURN_IF_ERROR(content_.Delete(blob));
    result.deleted.push_back(*it);
  }
  spdlog::info("image={} deleted", id);
  return absl::OkStatus();
}

absl::StatusOr<RemoveResult> ImageManager::Remove(const std::string& ref, bool force) {
  absl::StatusOr<RemoveResult> result = RemoveUnlocked(ref, force);
  if (result.ok()) {
    for (const std::string& tag : result->untagged) Emit("untag", tag, tag);
    // deleted holds the image id first, then layer chain ids (no events).
    if (!result->deleted.empty()) Emit("delete", result->deleted.front(), result->deleted.front());
  }
  return result;
}

absl::StatusOr<RemoveResult> ImageManager::RemoveUnlocked(const std::string& ref, bool force) {
  absl::MutexLock lock(&mu_);
  BERTH_ASSIGN_OR_RETURN(std::string id, ResolveLocked(ref));
  RemoveResult result;
  std::vector<std::string> tags = images_.TagsOf(id);

  // Was `ref` one of the image's tags (rather than its id or an id prefix)?
  std::string tag;
  if (!absl::StartsWith(ref, "sha256:")) {
    auto parsed = reference::ParseNormalized(ref);
    if (parsed.ok() && parsed->digest.empty()) {
      std::string familiar = reference::WithDefaultTag(*parsed).FamiliarString();
      if (images_.LookupTag(familiar) == id) tag = familiar;
    }
  }

  if (!tag.empty()) {
    if (tags.size() > 1) {
      // Other tags keep the image alive: this is only an untag.
      BERTH_RETURN_IF_ERROR(images_.RemoveTag(tag));
      result.untagged.push_back(tag);
      spdlog::info("image={} untagged {}", id, tag);
      return result;
    }
    if (!force) BERTH_RETURN_IF_ERROR(CheckNotInUse(id, ref, /*by_tag=*/true));
  } else if (!force) {
    std::set<std::string> repositories;
    for (const auto& t : tags) repositories.insert(RepositoryOf(t));
    if (repositories.size() > 1) {
      return absl::FailedPreconditionError(
          absl::StrCat("conflict: unable to delete ", ShortId(id),
                       " (must be forced) - image is referenced in multiple repositories"));
    }
    BERTH_RETURN_IF_ERROR(CheckNotInUse(id, ref, /*by_tag=*/false));
  }

  for (const auto& t : tags) {
    BERTH_RETURN_IF_ERROR(images_.RemoveTag(t));
    result.untagged.push_back(t);
  }
  // With force, a snapshot may still use the image: its layers stay (the
  // snapshot record holds them) and go when the snapshot does.
  BERTH_RETURN_IF_ERROR(DeleteImageLocked(id, result));
  UpdateGauges();
  return result;
}

}  // namespace berth::imaged
