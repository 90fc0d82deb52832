// ImageManager::History: `docker history` from the image config's history.
//
// As dockerd: one line per history entry, newest first; an entry that made a
// layer shows that layer's size, an `empty_layer` entry 0. The top entry of
// the image and of each stored parent (an image built or committed on it)
// shows that image's id and tags; the other entries show "<missing>" (steps
// whose images are not stored, e.g. everything of a pulled image but its top).
#include <set>

#include "absl/strings/str_cat.h"
#include "common/status/status.h"
#include "services/imaged/image_manager.h"

namespace berth::imaged {

absl::StatusOr<std::vector<HistoryItem>> ImageManager::History(const std::string& ref) const {
  absl::ReaderMutexLock lock(&mu_);
  BERTH_ASSIGN_OR_RETURN(std::string id, ResolveLocked(ref));
  const metadata::ImageRecord* record = images_.Get(id);
  const std::vector<metadata::HistoryEntry>& history = record->config.history;

  // Which history index is the top of which stored image: walk the parents.
  std::map<size_t, std::string> image_at;  // index of an image's last entry → its id
  std::set<std::string> seen;
  for (const metadata::ImageRecord* r = record; r != nullptr && seen.insert(r->id).second;
       r = r->parent.empty() ? nullptr : images_.Get(r->parent)) {
    size_t n = r->config.history.size();
    if (n > 0 && n <= history.size()) image_at.emplace(n - 1, r->id);
  }

  std::vector<HistoryItem> items;
  size_t layer = 0;
  for (size_t i = 0; i < history.size(); ++i) {
    const metadata::HistoryEntry& entry = history[i];
    HistoryItem item;
    item.created = entry.created;
    item.created_by = entry.created_by;
    item.comment = entry.comment;
    if (!entry.empty_layer) {
      if (layer >= record->layers.size()) {
        return absl::DataLossError(absl::StrCat("image ", id, " has more history entries with a "
                                                "layer than layers"));
      }
      const layers::LayerRecord* l = layers_.Get(record->layers[layer++]);
      if (l != nullptr) item.size = l->size;
    }
    if (auto it = image_at.find(i); it != image_at.end()) {
      item.id = it->second;
      item.tags = images_.TagsOf(it->second);
    } else {
      item.id = "<missing>";
    }
    items.push_back(std::move(item));
  }
  return std::vector<HistoryItem>(items.rbegin(), items.rend());
}

}  // namespace berth::imaged
