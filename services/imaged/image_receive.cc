// What pull and load share: receiving a layer blob (stored and unpacked in one
// pass, then verified) and publishing staged images in one locked step.
#include <prometheus/counter.h>
#include <prometheus/histogram.h>

#include <algorithm>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/fs/fs.h"
#include "common/status/status.h"
#include "services/imaged/image_manager.h"
#include "services/imaged/layers/stream_unpack.h"
#include "spdlog/spdlog.h"

namespace berth::imaged {

std::vector<std::string> ImageManager::ChainIds(const std::vector<std::string>& diff_ids) const {
  std::vector<std::string> chain_ids;
  std::string parent;
  for (const std::string& diff_id : diff_ids) {
    parent = layers::ChainId(parent, diff_id);
    chain_ids.push_back(parent);
  }
  return chain_ids;
}

bool ImageManager::HasLayer(const std::string& chain_id) const {
  absl::ReaderMutexLock lock(&mu_);
  return layers_.Get(chain_id) != nullptr;
}

absl::StatusOr<ImageManager::ReceivedLayer> ImageManager::ReceiveLayer(
    const std::function<absl::Status(const BlobSink&)>& produce,
    const std::string& expected_digest, const std::string& diff_id, const std::string& chain_id,
    const std::string& parent_chain_id) {
  const absl::Time started = absl::Now();
  ReceivedLayer layer;
  BERTH_ASSIGN_OR_RETURN(layer.blob, content_.NewWriter());
  BERTH_ASSIGN_OR_RETURN(layer.staged, layers::LayerStore::Stage(paths_));
  absl::Cleanup discard = [&layer] { (void)fs::RemoveTree(layer.staged.dir); };
  layers::UnpackOptions unpack_options;
  // Lower layers exist below this one: whiteouts must hide their entries.
  unpack_options.whiteouts = layers::WhiteoutMode::kOverlay;
  unpack_options.apply_ownership = options_.apply_ownership;
  unpack_options.limits = options_.limits;
  BERTH_ASSIGN_OR_RETURN(std::unique_ptr<layers::StreamingUnpacker> unpacker,
                         layers::StreamingUnpacker::Start(layer.staged.diff, unpack_options));
  int64_t received = 0;
  absl::Status produced = produce([&](const char* data, size_t size) -> absl::Status {
    received += static_cast<int64_t>(size);
    BERTH_RETURN_IF_ERROR(layers::CheckUploadBytes(options_.limits, received));
    BERTH_RETURN_IF_ERROR(layer.blob->Write(data, size));
    // When the unpacker gave up, the rest is still hashed: a wrong digest
    // is the true cause to report.
    unpacker->Feed(data, size);
    return absl::OkStatus();
  });
  absl::StatusOr<layers::UnpackResult> unpacked = unpacker->Finish();
  if (options_.metrics != nullptr) {
    options_.metrics->import_bytes->Increment(static_cast<double>(received));
  }
  BERTH_RETURN_IF_ERROR(produced);
  BERTH_ASSIGN_OR_RETURN(std::string blob_digest, layer.blob->Close());
  if (!expected_digest.empty() && blob_digest != expected_digest) {
    return absl::DataLossError(
        absl::StrCat("filesystem layer verification failed for digest ", expected_digest));
  }
  if (!unpacked.ok()) return unpacked.status();
  if (unpacked->diff_id != diff_id) {
    return absl::DataLossError(absl::StrCat("layer ", blob_digest, " unpacks to ",
                                            unpacked->diff_id, ", the config says ", diff_id));
  }
  layer.record.chain_id = chain_id;
  layer.record.diff_id = unpacked->diff_id;
  layer.record.blob_digest = blob_digest;
  layer.record.parent = parent_chain_id;
  layer.record.size = unpacked->size;
  if (options_.metrics != nullptr) {
    options_.metrics->layer_unpack_seconds->Observe(absl::ToDoubleSeconds(absl::Now() - started));
  }
  std::move(discard).Cancel();
  return layer;
}

absl::Status ImageManager::PublishStaged(const std::vector<StagedImage>& images,
                                         std::vector<ReceivedLayer>& received) {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> written;
  absl::Status status = [&]() -> absl::Status {
    for (ReceivedLayer& r : received) {
      if (layers_.Get(r.record.chain_id) != nullptr) continue;  // a concurrent pull won
      BERTH_RETURN_IF_ERROR(content_.Commit(*r.blob));
      BERTH_RETURN_IF_ERROR(layers_.Commit(r.staged, r.record).status());
    }
    for (const StagedImage& image : images) {
      const metadata::ImageRecord* existing = images_.Get(image.id);
      metadata::ImageRecord record;
      if (existing != nullptr) {
        record = *existing;
      } else {
        BERTH_ASSIGN_OR_RETURN(std::string stored, content_.Put(image.config_bytes));
        if (stored != image.id) return absl::InternalError("config digest changed while storing it");
        record.id = image.id;
        record.config = image.config;
        for (const std::string& chain : image.chain_ids) {
          const layers::LayerRecord* layer = layers_.Get(chain);
          if (layer == nullptr) {
            return absl::AbortedError("a layer was removed meanwhile; try again");
          }
          record.layers.push_back(chain);
          record.size += layer->size;
        }
      }
      bool changed = existing == nullptr;
      if (!image.repo_digest.empty() &&
          std::find(record.repo_digests.begin(), record.repo_digests.end(), image.repo_digest) ==
              record.repo_digests.end()) {
        record.repo_digests.push_back(image.repo_digest);
        changed = true;
      }
      if (changed) BERTH_RETURN_IF_ERROR(images_.Put(record));
      if (existing == nullptr) written.push_back(image.id);
      for (const std::string& tag : image.tags) BERTH_RETURN_IF_ERROR(images_.SetTag(tag, image.id));
    }
    return absl::OkStatus();
  }();
  if (!status.ok()) {
    for (const std::string& id : written) images_.Delete(id).IgnoreError();
    absl::Status gc = CollectGarbage();
    if (!gc.ok()) spdlog::warn("cleanup after a failed publish: {}", gc.ToString());
    return status;
  }
  UpdateGauges();
  return absl::OkStatus();
}

}  // namespace berth::imaged
