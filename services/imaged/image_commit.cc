// ImageManager::CreateImage and CommitSnapshot: new images on top of a parent.
//
// Same order of work as an import (image_import.cc): the layer is written and
// unpacked in tmp/ outside the lock, and everything becomes visible under the
// lock in one step (blob, layer, config, record, tag), so a failure leaves
// nothing behind and a crash leaves only tmp/ for Recover() to empty.
#include <prometheus/counter.h>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "common/fs/fs.h"
#include "common/status/status.h"
#include "services/imaged/image_manager.h"
#include "services/imaged/layers/diff_writer.h"
#include "services/imaged/layers/merged_export.h"
#include "services/imaged/reference/reference.h"
#include "spdlog/spdlog.h"

namespace berth::imaged {

absl::StatusOr<ImageManager::NewLayer> ImageManager::StageLayerBlob(content::BlobWriter& blob) {
  NewLayer layer;
  layer.blob = &blob;
  BERTH_ASSIGN_OR_RETURN(layer.staged, layers::LayerStore::Stage(paths_));
  absl::Cleanup discard = [&layer] { (void)fs::RemoveTree(layer.staged.dir); };
  layers::UnpackOptions unpack_options;
  // The layer sits on the parent's layers: its `.wh.` entries must hide them.
  unpack_options.whiteouts = layers::WhiteoutMode::kOverlay;
  unpack_options.apply_ownership = options_.apply_ownership;
  unpack_options.limits = options_.limits;
  BERTH_ASSIGN_OR_RETURN(layer.unpacked,
                         layers::UnpackLayer(blob.path(), layer.staged.diff, unpack_options));
  std::move(discard).Cancel();
  return layer;
}

absl::StatusOr<Image> ImageManager::CreateImage(const DerivedImageOptions& options,
                                                const ChunkReader& reader) {
  if (!options.tag.empty()) {
    BERTH_RETURN_IF_ERROR(reference::ParseTagTarget(options.tag, "").status());
  }
  std::string parent_id;
  if (!options.parent.empty()) {
    absl::ReaderMutexLock lock(&mu_);
    BERTH_ASSIGN_OR_RETURN(parent_id, ResolveLocked(options.parent));
  }
  BERTH_ASSIGN_OR_RETURN(std::unique_ptr<content::BlobWriter> blob, content_.NewWriter());
  int64_t uploaded = 0;
  for (;;) {
    BERTH_ASSIGN_OR_RETURN(std::optional<std::string> chunk, reader());
    if (!chunk.has_value()) break;
    uploaded += static_cast<int64_t>(chunk->size());
    BERTH_RETURN_IF_ERROR(layers::CheckUploadBytes(options_.limits, uploaded));
    BERTH_RETURN_IF_ERROR(blob->Write(chunk->data(), chunk->size()));
  }
  if (uploaded == 0) return PublishDerived(options, parent_id, nullptr);
  BERTH_RETURN_IF_ERROR(blob->Close().status());
  BERTH_ASSIGN_OR_RETURN(NewLayer layer, StageLayerBlob(*blob));
  absl::Cleanup discard = [&layer] { (void)fs::RemoveTree(layer.staged.dir); };
  return PublishDerived(options, parent_id, &layer);
}

absl::StatusOr<Image> ImageManager::CommitSnapshot(const std::string& key,
                                                   const DerivedImageOptions& options) {
  BERTH_RETURN_IF_ERROR(snapshots::ValidateSnapshotKey(key));
  std::string parent_id;
  {
    absl::ReaderMutexLock lock(&mu_);
    const snapshots::SnapshotRecord* snapshot = snapshots_.Get(key);
    if (snapshot == nullptr) {
      return absl::NotFoundError(absl::StrCat("no such snapshot: '", key, "'"));
    }
    parent_id = snapshot->image_id;
    if (!options.parent.empty()) {
      BERTH_ASSIGN_OR_RETURN(std::string wanted, ResolveLocked(options.parent));
      if (wanted != parent_id) {
        return absl::InvalidArgumentError(absl::StrCat("snapshot '", key, "' was prepared from ",
                                                       parent_id, ", not ", wanted));
      }
    }
  }
  BERTH_ASSIGN_OR_RETURN(std::unique_ptr<content::BlobWriter> blob, content_.NewWriter());
  int64_t written = 0;
  auto sink = [&](const void* data, size_t size) -> absl::Status {
    written += static_cast<int64_t>(size);
    BERTH_RETURN_IF_ERROR(layers::CheckUploadBytes(options_.limits, written));
    return blob->Write(data, size);
  };
  BERTH_ASSIGN_OR_RETURN(layers::DiffStats stats,
                         layers::WriteLayerDiff(paths_.snapshot_upper(key), sink));
  BERTH_RETURN_IF_ERROR(blob->Close().status());
  BERTH_ASSIGN_OR_RETURN(NewLayer layer, StageLayerBlob(*blob));
  absl::Cleanup discard = [&layer] { (void)fs::RemoveTree(layer.staged.dir); };
  spdlog::debug("snapshot={} diff: {} entries, {} whiteouts, {} skipped", key, stats.entries,
                stats.whiteouts, stats.skipped);
  return PublishDerived(options, parent_id, &layer);
}

absl::StatusOr<Image> ImageManager::PublishDerived(const DerivedImageOptions& options,
                                                   const std::string& parent_id,
                                                   const NewLayer* layer) {
  absl::MutexLock lock(&mu_);
  metadata::ImageRecord record;
  metadata::OciImage config;
  if (!parent_id.empty()) {
    const metadata::ImageRecord* parent = images_.Get(parent_id);
    if (parent == nullptr) {
      return absl::NotFoundError(absl::StrCat("No such image: ", parent_id));
    }
    record.layers = parent->layers;
    record.size = parent->size;
    record.parent = parent_id;
    config = parent->config;
  }
  config.created = Now();
  config.config = options.config;
  config.comment = options.comment;
  if (!options.author.empty()) config.author = options.author;
  config.history.push_back({config.created, options.created_by, "", layer == nullptr});

  std::string id;
  bool record_written = false;
  absl::Status status = [&]() -> absl::Status {
    if (layer != nullptr) {
      std::string parent_chain = record.layers.empty() ? "" : record.layers.back();
      layers::LayerRecord layer_record;
      layer_record.diff_id = layer->unpacked.diff_id;
      layer_record.chain_id = layers::ChainId(parent_chain, layer_record.diff_id);
      layer_record.blob_digest = layer->blob->digest();
      layer_record.parent = parent_chain;
      layer_record.size = layer->unpacked.size;
      // The same change committed twice shares one layer directory.
      if (layers_.Get(layer_record.chain_id) == nullptr) {
        BERTH_RETURN_IF_ERROR(content_.Commit(*layer->blob));
        BERTH_RETURN_IF_ERROR(layers_.Commit(layer->staged, layer_record).status());
      }
      record.layers.push_back(layer_record.chain_id);
      record.size += layers_.Get(layer_record.chain_id)->size;
      config.diff_ids.push_back(layer_record.diff_id);
    }
    BERTH_ASSIGN_OR_RETURN(id, content_.Put(metadata::SerializeOciImage(config)));
    record.id = id;
    record.config = config;
    BERTH_RETURN_IF_ERROR(images_.Put(record));
    record_written = true;
    if (!options.tag.empty()) {
      BERTH_ASSIGN_OR_RETURN(reference::Reference ref,
                             reference::ParseTagTarget(options.tag, ""));
      BERTH_RETURN_IF_ERROR(images_.SetTag(ref.FamiliarString(), id));
    }
    return absl::OkStatus();
  }();
  if (!status.ok()) {
    if (record_written) {
      absl::Status deleted = images_.Delete(id);
      if (!deleted.ok()) spdlog::warn("commit cleanup: {}", deleted.ToString());
    }
    absl::Status gc = CollectGarbage();
    if (!gc.ok()) spdlog::warn("commit cleanup: {}", gc.ToString());
    return status;
  }
  UpdateGauges();
  spdlog::info("image={} created on {}{}", id, parent_id.empty() ? "scratch" : parent_id,
               layer == nullptr ? " (config only)" : "");
  return ToImage(*images_.Get(id));
}

absl::Status ImageManager::ExportPaths(const std::string& ref,
                                      const std::vector<std::string>& paths,
                                      const layers::TarSink& sink) const {
  absl::ReaderMutexLock lock(&mu_);
  BERTH_ASSIGN_OR_RETURN(std::string id, ResolveLocked(ref));
  const metadata::ImageRecord* record = images_.Get(id);
  std::vector<std::string> dirs;
  for (auto it = record->layers.rbegin(); it != record->layers.rend(); ++it) {
    const layers::LayerRecord* layer = layers_.Get(*it);
    if (layer == nullptr) return absl::DataLossError(absl::StrCat("layer ", *it, " is missing"));
    dirs.push_back(layers_.DiffPath(*layer));
  }
  return layers::ExportMergedPaths(dirs, paths, sink);
}

}  // namespace berth::imaged
