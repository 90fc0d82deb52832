#include "services/imaged/paths.h"

#include "absl/strings/str_cat.h"

namespace berth::imaged {

std::string Paths::version_file() const { return absl::StrCat(root_, "/VERSION"); }
std::vector<std::string> Paths::private_dirs() const {
  return {root_,       tmp_dir(),   absl::StrCat(root_, "/blobs"), blobs_dir(),
          layers_dir(), images_dir(), snapshots_dir()};
}

std::string Paths::tmp_dir() const { return absl::StrCat(root_, "/tmp"); }
std::string Paths::blobs_dir() const { return absl::StrCat(root_, "/blobs/sha256"); }
std::string Paths::blob(const std::string& hex) const {
  return absl::StrCat(blobs_dir(), "/", hex);
}
std::string Paths::layers_dir() const { return absl::StrCat(root_, "/layers"); }
std::string Paths::layer_dir(const std::string& short_id) const {
  return absl::StrCat(layers_dir(), "/", short_id);
}
std::string Paths::layer_diff(const std::string& short_id) const {
  return absl::StrCat(layer_dir(short_id), "/diff");
}
std::string Paths::layer_meta(const std::string& short_id) const {
  return absl::StrCat(layer_dir(short_id), "/meta.json");
}
std::string Paths::images_dir() const { return absl::StrCat(root_, "/images"); }
std::string Paths::image_record(const std::string& hex) const {
  return absl::StrCat(images_dir(), "/", hex, ".json");
}
std::string Paths::repositories_file() const {
  return absl::StrCat(root_, "/repositories.json");
}
std::string Paths::snapshots_dir() const { return absl::StrCat(root_, "/snapshots"); }
std::string Paths::snapshot_dir(const std::string& key) const {
  return absl::StrCat(snapshots_dir(), "/", key);
}
std::string Paths::snapshot_upper(const std::string& key) const {
  return absl::StrCat(snapshot_dir(key), "/upper");
}
std::string Paths::snapshot_work(const std::string& key) const {
  return absl::StrCat(snapshot_dir(key), "/work");
}
std::string Paths::snapshot_meta(const std::string& key) const {
  return absl::StrCat(snapshot_dir(key), "/meta.json");
}

}  // namespace berth::imaged
