#include "services/apid/usecases/writable_layer.h"

#include <sys/stat.h>

#include <filesystem>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/match.h"

namespace berth::apid {

int64_t WritableLayerBytes(const v1::Container& c) {
  std::string upper;
  for (const v1::Mount& m : c.rootfs()) {
    for (const std::string& option : m.options()) {
      if (absl::StartsWith(option, "upperdir=")) upper = option.substr(9);
    }
  }
  if (upper.empty()) return 0;
  int64_t total = 0;
  std::set<std::pair<dev_t, ino_t>> seen;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(
           upper, std::filesystem::directory_options::skip_permission_denied, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    struct stat st;
    if (lstat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if (seen.insert({st.st_dev, st.st_ino}).second) total += st.st_size;
  }
  return total;
}

}  // namespace berth::apid
