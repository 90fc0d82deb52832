// ImageManager: a container's files on its snapshot (docker cp on a stopped
// container, export, diff).
//
// cp needs the merged view with the kernel's semantics (symlinks across
// layers, copy-up and whiteouts when writing), so the overlay is mounted for
// the duration of one call, like containerd's temporary mounts for diffs: in
// a mount namespace of its own thread (unshare(CLONE_NEWNS) affects only the
// calling thread), made private first so nothing propagates to the host, and
// released with that thread. Nothing is left mounted if imaged dies.
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <unistd.h>

#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/fs/fs.h"
#include "common/status/status.h"
#include "services/imaged/image_manager.h"
#include "services/imaged/layers/merged_export.h"
#include "spdlog/spdlog.h"

namespace berth::imaged {
namespace {

absl::Status MountPrivately(const snapshots::Mount& mount, const std::string& target,
                            const std::function<absl::Status(int)>& fn) {
  if (::unshare(CLONE_NEWNS) != 0) return ErrnoToStatus(errno, "unshare mount namespace");
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    return ErrnoToStatus(errno, "make mounts private");
  }
  std::string data = absl::StrJoin(mount.options, ",");
  if (::mount(mount.source.c_str(), target.c_str(), mount.type.c_str(), 0, data.c_str()) != 0) {
    return ErrnoToStatus(errno, "mount the snapshot");
  }
  absl::Status status;
  {
    fs::ScopedFd root(::open(target.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    status = root.valid() ? fn(root.get()) : ErrnoToStatus(errno, "open the snapshot root");
  }
  if (::umount2(target.c_str(), MNT_DETACH) != 0) {
    spdlog::warn("umount private snapshot mount '{}': {}", target, std::strerror(errno));
  }
  return status;
}

}  // namespace

absl::StatusOr<ImageManager::SnapshotDirs> ImageManager::SnapshotDirsOf(
    const std::string& key) const {
  BERTH_RETURN_IF_ERROR(snapshots::ValidateSnapshotKey(key));
  absl::ReaderMutexLock lock(&mu_);
  const snapshots::SnapshotRecord* snapshot = snapshots_.Get(key);
  if (snapshot == nullptr) return absl::NotFoundError(absl::StrCat("no such snapshot: '", key, "'"));
  SnapshotDirs dirs{paths_.snapshot_upper(key), paths_.snapshot_work(key), {}};
  for (auto it = snapshot->layers.rbegin(); it != snapshot->layers.rend(); ++it) {
    const layers::LayerRecord* layer = layers_.Get(*it);
    if (layer == nullptr) return absl::DataLossError(absl::StrCat("layer ", *it, " is missing"));
    dirs.lowers.push_back(layers_.DiffPath(*layer));
  }
  return dirs;
}

absl::Status ImageManager::WithSnapshotRoot(const std::string& key,
                                            const std::function<absl::Status(int)>& fn) {
  BERTH_ASSIGN_OR_RETURN(SnapshotDirs dirs, SnapshotDirsOf(key));
  BERTH_ASSIGN_OR_RETURN(snapshots::Mount mount,
                         snapshots::BuildOverlayMount(dirs.lowers, dirs.upper, dirs.work));
  std::string target = absl::StrCat(paths_.tmp_dir(), "/mnt-XXXXXX");
  if (::mkdtemp(target.data()) == nullptr) return ErrnoToStatus(errno, "make a mount point");
  absl::Status status;
  std::thread worker([&] { status = MountPrivately(mount, target, fn); });
  worker.join();
  if (::rmdir(target.c_str()) != 0) spdlog::warn("rmdir '{}': {}", target, std::strerror(errno));
  return status;
}

absl::Status ImageManager::ExportSnapshot(const std::string& key, const layers::TarSink& sink) {
  BERTH_ASSIGN_OR_RETURN(SnapshotDirs dirs, SnapshotDirsOf(key));
  std::vector<std::string> top_first = {dirs.upper};
  top_first.insert(top_first.end(), dirs.lowers.begin(), dirs.lowers.end());
  return layers::ExportMergedPaths(top_first, {"/"}, sink);
}

absl::StatusOr<std::vector<layers::Change>> ImageManager::SnapshotChanges(const std::string& key) {
  BERTH_ASSIGN_OR_RETURN(SnapshotDirs dirs, SnapshotDirsOf(key));
  return layers::ListChanges(dirs.upper, dirs.lowers);
}

}  // namespace berth::imaged
