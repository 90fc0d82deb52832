// ImageManager::Usage: docker system df's image numbers.
//
// As dockerd: LayersSize is every stored layer's bytes, each counted once;
// an image's SharedSize is the bytes of its layers that at least one other
// image also stacks on (a shared base counts in both images' SharedSize).
#include <map>
#include <set>

#include "services/imaged/image_manager.h"

namespace berth::imaged {

LayerUsage ImageManager::Usage() const {
  absl::ReaderMutexLock lock(&mu_);
  LayerUsage usage;
  for (const layers::LayerRecord& layer : layers_.List()) usage.layers_size += layer.size;

  std::map<std::string, int> holders;  // chain id → images stacking on it
  std::vector<const metadata::ImageRecord*> images = images_.List();
  for (const metadata::ImageRecord* image : images) {
    for (const std::string& chain : std::set<std::string>(image->layers.begin(),
                                                          image->layers.end())) {
      ++holders[chain];
    }
  }
  for (const metadata::ImageRecord* image : images) {
    int64_t shared = 0;
    for (const std::string& chain : std::set<std::string>(image->layers.begin(),
                                                          image->layers.end())) {
      const layers::LayerRecord* layer = layers_.Get(chain);
      if (layer != nullptr && holders[chain] > 1) shared += layer->size;
    }
    usage.shared_size[image->id] = shared;
  }
  return usage;
}

}  // namespace berth::imaged
