// ImageManager::Import: `docker import` of a root filesystem tarball.
//
// Order of work, chosen so that a failure or crash at any point leaves nothing
// visible and nothing that Recover() cannot reclaim:
//  1. validate the reference and the changes (cheap, before reading any data);
//  2. stream the upload into tmp/ingest-* while hashing it (the blob digest);
//  3. unpack it into tmp/layer-*/diff, hashing the decompressed stream (the
//     diff id) — a hostile archive (or one beyond the limits) fails here and
//     the staging dir and the upload are removed;
//  4. under the lock: publish the blob, the config blob, the layer (rename),
//     the image record, and last the tag.
#include <prometheus/counter.h>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "common/fs/fs.h"
#include "common/status/status.h"
#include "services/imaged/image_manager.h"
#include "services/imaged/metadata/changes.h"
#include "services/imaged/reference/reference.h"
#include "spdlog/spdlog.h"

namespace berth::imaged {

absl::StatusOr<Image> ImageManager::Import(const ImportOptions& options,
                                           const ChunkReader& reader) {
  absl::StatusOr<Image> image = ImportUnlocked(options, reader);
  if (options_.metrics != nullptr) {
    (image.ok() ? options_.metrics->imports_ok : options_.metrics->imports_failed)->Increment();
  }
  if (!image.ok()) {
    spdlog::warn("import failed: {}", image.status().ToString());
    return Annotate(image.status(), "import");
  }
  spdlog::info("image={} imported{}{}", image->id, options.repo.empty() ? "" : " as ",
               image->repo_tags.empty() ? "" : image->repo_tags.front());
  Emit("import", image->id, image->repo_tags.empty() ? image->id : image->repo_tags.front());
  return image;
}

absl::StatusOr<Image> ImageManager::ImportUnlocked(const ImportOptions& options,
                                                   const ChunkReader& reader) {
  std::string tag;
  if (!options.repo.empty()) {
    BERTH_ASSIGN_OR_RETURN(reference::Reference ref,
                           reference::ParseTagTarget(options.repo, options.tag));
    tag = ref.FamiliarString();
  }
  metadata::OciImage config;
  BERTH_RETURN_IF_ERROR(metadata::ApplyChanges(options.changes, config.config));

  BERTH_ASSIGN_OR_RETURN(std::unique_ptr<content::BlobWriter> blob, content_.NewWriter());
  int64_t uploaded = 0;
  for (;;) {
    BERTH_ASSIGN_OR_RETURN(std::optional<std::string> chunk, reader());
    if (!chunk.has_value()) break;
    // An endless upload must not fill the disk before the unpacker's caps
    // ever see it.
    uploaded += static_cast<int64_t>(chunk->size());
    BERTH_RETURN_IF_ERROR(layers::CheckUploadBytes(options_.limits, uploaded));
    BERTH_RETURN_IF_ERROR(blob->Write(chunk->data(), chunk->size()));
    if (options_.metrics != nullptr) {
      options_.metrics->import_bytes->Increment(static_cast<double>(chunk->size()));
    }
  }
  BERTH_ASSIGN_OR_RETURN(std::string blob_digest, blob->Close());

  BERTH_ASSIGN_OR_RETURN(layers::StagedLayer staged, layers::LayerStore::Stage(paths_));
  // Removes the staging dir unless the layer was published (then it is gone
  // from tmp/ and this is a no-op on a missing path).
  absl::Cleanup discard_staging = [&staged] { (void)fs::RemoveTree(staged.dir); };

  layers::UnpackOptions unpack_options;
  // A single-layer image has nothing below it for a whiteout to hide.
  unpack_options.whiteouts = layers::WhiteoutMode::kDrop;
  unpack_options.apply_ownership = options_.apply_ownership;
  unpack_options.limits = options_.limits;
  BERTH_ASSIGN_OR_RETURN(layers::UnpackResult unpacked,
                         layers::UnpackLayer(blob->path(), staged.diff, unpack_options));
  if (unpacked.skipped_devices > 0) {
    spdlog::warn("import: skipped {} device nodes or sockets", unpacked.skipped_devices);
  }

  config.created = Now();
  config.comment = options.message.empty() ? "Imported from -" : options.message;
  config.diff_ids = {unpacked.diff_id};
  config.history.push_back({config.created, "", config.comment, false});

  layers::LayerRecord layer;
  layer.chain_id = layers::ChainId("", unpacked.diff_id);
  layer.diff_id = unpacked.diff_id;
  layer.blob_digest = blob_digest;
  layer.size = unpacked.size;
  return PublishImport(staged, layer, *blob, config, tag);
}

absl::StatusOr<Image> ImageManager::PublishImport(const layers::StagedLayer& staged,
                                                  const layers::LayerRecord& layer,
                                                  content::BlobWriter& blob,
                                                  const metadata::OciImage& config,
                                                  const std::string& tag) {
  std::string config_json = metadata::SerializeOciImage(config);
  absl::MutexLock lock(&mu_);
  std::string id;
  bool record_written = false;
  absl::Status status = [&]() -> absl::Status {
    BERTH_ASSIGN_OR_RETURN(id, content_.Put(config_json));
    // The same content imported twice shares one layer directory (and keeps
    // the blob it came with); the new copies are discarded.
    if (layers_.Get(layer.chain_id) == nullptr) {
      BERTH_RETURN_IF_ERROR(content_.Commit(blob));
      BERTH_RETURN_IF_ERROR(layers_.Commit(staged, layer).status());
    }
    metadata::ImageRecord record;
    record.id = id;
    record.layers = {layer.chain_id};
    record.size = layers_.Get(layer.chain_id)->size;
    record.config = config;
    BERTH_RETURN_IF_ERROR(images_.Put(record));
    record_written = true;
    if (!tag.empty()) BERTH_RETURN_IF_ERROR(images_.SetTag(tag, id));
    return absl::OkStatus();
  }();
  if (!status.ok()) {
    // Reclaim whatever got published before the failure and is now unused.
    if (record_written) {
      absl::Status deleted = images_.Delete(id);
      if (!deleted.ok()) spdlog::warn("import cleanup: {}", deleted.ToString());
    }
    absl::Status gc = CollectGarbage();
    if (!gc.ok()) spdlog::warn("import cleanup: {}", gc.ToString());
    return status;
  }
  UpdateGauges();
  return ToImage(*images_.Get(id));
}

}  // namespace berth::imaged
