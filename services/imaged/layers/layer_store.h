#pragma once

// Unpacked layers on disk: layers/<short id>/{diff,meta.json}. A layer is
// identified by its chain id (for a base layer, its diff id) and lives in a
// directory with a short random name so that overlay option strings stay short.
// A layer appears atomically: it is unpacked in tmp/, its meta.json written
// there, and the directory renamed into layers/.
//
// Not thread-safe: the owner (ImageManager) serializes calls.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/imaged/paths.h"

namespace berth::imaged::layers {

struct LayerRecord {
  std::string short_id;     // directory name under layers/
  std::string chain_id;     // "sha256:..."; identity of the layer stack up to here
  std::string diff_id;      // "sha256:..." of the uncompressed tar
  std::string blob_digest;  // "sha256:..." of the archive as received ("" if none kept)
  std::string parent;       // chain id of the layer below, "" for a base layer
  int64_t size = 0;         // unpacked bytes
};

// A layer being built in tmp/.
struct StagedLayer {
  std::string dir;   // tmp/layer-<short id>
  std::string diff;  // dir + "/diff": unpack here
  std::string short_id;
};

class LayerStore {
 public:
  // `paths` must outlive the store.
  explicit LayerStore(const Paths& paths) : paths_(paths) {}

  // Loads every layers/*/meta.json. Directories without a readable meta.json
  // cannot be complete layers (they appear by rename), so they are removed.
  absl::Status Recover();

  // Creates tmp/layer-<id>/diff. The caller unpacks into `diff` and either
  // commits or removes `dir`. Static: touches no store state, so it needs no lock.
  static absl::StatusOr<StagedLayer> Stage(const Paths& paths);

  // Publishes a staged layer under `record.chain_id` (short_id is taken from
  // the staging). AlreadyExists if that chain id is stored; the staged dir is
  // then left for the caller to discard.
  absl::StatusOr<LayerRecord> Commit(const StagedLayer& staged, LayerRecord record);

  // nullptr when unknown.
  const LayerRecord* Get(const std::string& chain_id) const;

  // Deletes a layer's directory and record. Unknown ids are OK.
  absl::Status Remove(const std::string& chain_id);

  std::vector<LayerRecord> List() const;

  // The overlay lower dir of a layer.
  std::string DiffPath(const LayerRecord& layer) const { return paths_.layer_diff(layer.short_id); }

 private:
  const Paths& paths_;
  std::map<std::string, LayerRecord> layers_;  // by chain id
};

// The chain id of `diff_id` stacked on `parent_chain` (OCI image spec):
// base layer → its diff id; otherwise sha256(parent + " " + diff_id).
std::string ChainId(const std::string& parent_chain, const std::string& diff_id);

}  // namespace berth::imaged::layers
