#pragma once

// Every on-disk path of imaged, computed from the state dir (--state_dir):
//
//   VERSION                      schema version stamp ("1")
//   tmp/                         staging: uploads, unpacking layers, new snapshots;
//                                emptied by Recover()
//   blobs/sha256/<hex>           content-addressed blobs (image configs,
//                                compressed layer tarballs as uploaded)
//   layers/<short id>/diff       an unpacked layer (an overlay lowerdir)
//   layers/<short id>/meta.json  which layer it is (chain id, diff id, blob, size)
//   images/<hex>.json            one record per image id (config digest + layers)
//   repositories.json            tags: "busybox:latest" -> "sha256:<hex>"
//   snapshots/<key>/{upper,work} a container's writable overlay dirs
//   snapshots/<key>/meta.json    which image (and layers) the snapshot uses
//
// The store is readable only by imaged's user (root): the state dir and every
// directory above with a fixed name are 0700. Overlay reaches lower and upper
// dirs with the credentials of whoever mounted it (root), so containers need
// no access to these paths; other local users get none.
//
// Layer directories get short random ids (like Docker overlay2's l/ links)
// because every lowerdir goes into one overlay mount option string, which the
// kernel limits to a page.

#include <string>
#include <vector>

namespace berth::imaged {

class Paths {
 public:
  explicit Paths(std::string root) : root_(std::move(root)) {}

  const std::string& root() const { return root_; }
  std::string version_file() const;
  std::string tmp_dir() const;
  std::string blobs_dir() const;
  std::string blob(const std::string& hex) const;
  std::string layers_dir() const;
  std::string layer_dir(const std::string& short_id) const;
  std::string layer_diff(const std::string& short_id) const;
  std::string layer_meta(const std::string& short_id) const;
  std::string images_dir() const;
  std::string image_record(const std::string& hex) const;
  std::string repositories_file() const;
  std::string snapshots_dir() const;
  std::string snapshot_dir(const std::string& key) const;
  std::string snapshot_upper(const std::string& key) const;
  std::string snapshot_work(const std::string& key) const;
  std::string snapshot_meta(const std::string& key) const;

  // The directories with fixed names, parents before children (root first):
  // Recover() creates them 0700 and tightens wider modes.
  std::vector<std::string> private_dirs() const;

 private:
  std::string root_;
};

}  // namespace berth::imaged
