#include "services/imaged/layers/overlay_entries.h"

#include <fcntl.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

namespace berth::imaged::layers {

bool IsOverlayWhiteout(const struct stat& st) {
  return S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0);
}

bool IsOverlayOpaque(int dirfd) {
  char value[2] = {0, 0};
  return ::fgetxattr(dirfd, "trusted.overlay.opaque", value, sizeof(value)) == 1 &&
         value[0] == 'y';
}

fs::ScopedFd OpenDirBeneath(int root, const std::vector<std::string>& components) {
  fs::ScopedFd fd(::fcntl(root, F_DUPFD_CLOEXEC, 0));
  for (const std::string& c : components) {
    fs::ScopedFd next(::openat(fd.get(), c.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!next.valid()) return fs::ScopedFd();
    fd = std::move(next);
  }
  return fd;
}

}  // namespace berth::imaged::layers
