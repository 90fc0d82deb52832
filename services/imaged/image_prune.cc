// ImageManager::Prune: `docker image prune [-a]`.
//
// "Unused" is decided here, from the snapshot store: every container has a
// snapshot prepared on its image (keyed by the container id), and a container
// removed has its snapshot removed, so imaged needs to ask no one. An image
// is kept when a snapshot uses it or when it is the parent of a kept image.
// Without `all` only dangling images (no tag, no child) go, as in Docker.
// Afterwards layers and blobs no image or snapshot references are collected.
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status/status.h"
#include "services/imaged/image_manager.h"
#include "spdlog/spdlog.h"

namespace berth::imaged {
namespace {

// Docker's label filter: "key" (present) or "key=value".
bool HasLabel(const metadata::ImageConfig& config, const std::string& filter) {
  std::vector<std::string> kv = absl::StrSplit(filter, absl::MaxSplits('=', 1));
  auto it = config.labels.find(kv[0]);
  if (it == config.labels.end()) return false;
  return kv.size() == 1 || it->second == kv[1];
}

}  // namespace

absl::StatusOr<PruneResult> ImageManager::Prune(const PruneOptions& options) {
  PruneResult result;
  std::vector<std::string> deleted_images;
  {
    absl::MutexLock lock(&mu_);
    std::map<std::string, int64_t> layer_sizes;
    for (const layers::LayerRecord& l : layers_.List()) layer_sizes[l.chain_id] = l.size;
    std::set<std::string> kept;
    for (const snapshots::SnapshotRecord* snapshot : snapshots_.List()) {
      // A container's image and the images below it stay.
      std::string id = snapshot->image_id;
      while (!id.empty() && kept.insert(id).second) {
        const metadata::ImageRecord* r = images_.Get(id);
        id = r == nullptr ? "" : r->parent;
      }
    }
    std::vector<std::string> candidates;
    for (const metadata::ImageRecord* r : images_.List()) {
      if (kept.count(r->id) != 0) continue;
      if (!options.all && !images_.TagsOf(r->id).empty()) continue;
      if (options.until.has_value() && !(r->config.created < *options.until)) continue;
      bool match = true;
      for (const std::string& label : options.labels) match = match && HasLabel(r->config.config, label);
      for (const std::string& label : options.without_labels) {
        match = match && !HasLabel(r->config.config, label);
      }
      if (match) candidates.push_back(r->id);
    }
    // Children first: a parent goes only once no image is built on it.
    bool progress = true;
    while (progress && !candidates.empty()) {
      progress = false;
      std::set<std::string> parents;
      for (const metadata::ImageRecord* r : images_.List()) parents.insert(r->parent);
      for (auto it = candidates.begin(); it != candidates.end();) {
        if (parents.count(*it) != 0) {
          ++it;
          continue;
        }
        RemoveResult removed;
        for (const std::string& tag : images_.TagsOf(*it)) {
          BERTH_RETURN_IF_ERROR(images_.RemoveTag(tag));
          result.untagged.push_back(tag);
        }
        BERTH_RETURN_IF_ERROR(DeleteImageLocked(*it, removed));
        deleted_images.push_back(*it);
        for (size_t i = 0; i < removed.deleted.size(); ++i) {
          result.deleted.push_back(removed.deleted[i]);
          if (i > 0) result.space_reclaimed += layer_sizes[removed.deleted[i]];
        }
        it = candidates.erase(it);
        progress = true;
      }
    }
    BERTH_RETURN_IF_ERROR(CollectGarbage());
    UpdateGauges();
  }
  for (const std::string& tag : result.untagged) Emit("untag", tag, tag);
  for (const std::string& id : deleted_images) Emit("delete", id, id);
  spdlog::info("image prune: {} image(s) deleted, {} bytes reclaimed", deleted_images.size(),
               result.space_reclaimed);
  return result;
}

}  // namespace berth::imaged
