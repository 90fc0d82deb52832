// ImageManager::Pull: `docker pull` from an OCI distribution registry.
//
// Order of work, chosen so that a failure, a cancel or a crash leaves nothing
// visible and nothing Recover() cannot reclaim (everything sits in tmp/ until
// the last step):
//  1. parse the reference and resolve the registry through the allow-list
//     (before any network access);
//  2. fetch the manifest (an index → the linux/amd64 entry) and the config,
//     both verified by digest;
//  3. for each layer not stored yet: stream the blob into tmp/ingest-* (hashed)
//     and, through a socket pair, into the unpacker writing tmp/layer-*/diff
//     (one pass); then check the blob digest, the size and the diff id;
//  4. under the lock (PublishStaged, image_receive.cc): publish blobs, layers,
//     the config, the image record (with its repo digest) and last the tag.
#include <algorithm>
#include <atomic>
#include <memory>
#include <optional>
#include <thread>

#include <prometheus/counter.h>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/fs/fs.h"
#include "common/status/status.h"
#include "services/imaged/image_manager.h"
#include "services/imaged/reference/reference.h"
#include "services/imaged/registry/manifest.h"
#include "spdlog/spdlog.h"

namespace berth::imaged {
namespace {

constexpr int64_t kMaxConfigBytes = 8 * 1024 * 1024;

// Docker shows layers by the first 12 hex digits of their digest.
std::string ShortId(const std::string& digest) {
  size_t colon = digest.find(':');
  return digest.substr(colon == std::string::npos ? 0 : colon + 1, 12);
}

void Report(const RegistryRequest& request, std::string id, std::string status,
            int64_t current = 0, int64_t total = 0) {
  if (request.progress) request.progress({std::move(id), std::move(status), current, total});
}

}  // namespace

absl::StatusOr<ImageManager::ReceivedLayer> ImageManager::PullLayer(
    registry::RegistryClient& client, const RegistryRequest& request,
    const registry::Descriptor& layer, const std::string& diff_id,
    const std::vector<std::string>& chain_ids, size_t index, const registry::CancelCheck& stop) {
  const std::string short_id = ShortId(layer.digest);
  for (int attempt = 1;; ++attempt) {
    int64_t last_report = 0;
    auto fetch = [&](const BlobSink& sink) {
      BlobSink counted = [&](const char* data, size_t size) {
        if (options_.metrics != nullptr) {
          options_.metrics->pulled_bytes->Increment(static_cast<double>(size));
        }
        return sink(data, size);
      };
      return client.FetchBlob(layer.digest, layer.size, counted, [&](int64_t done) {
        // About one progress line per 512 KiB, like Docker's rate.
        if (done - last_report >= 512 * 1024 || done == layer.size) {
          last_report = done;
          Report(request, short_id, "Downloading", done, layer.size);
        }
      });
    };
    absl::StatusOr<ReceivedLayer> received =
        ReceiveLayer(fetch, layer.digest, diff_id, chain_ids[index],
                     index == 0 ? "" : chain_ids[index - 1]);
    if (received.ok()) {
      Report(request, short_id, "Download complete");
      Report(request, short_id, "Pull complete");
      return received;
    }
    // Retried as dockerd does: transport errors and 5xx/429 answers
    // (Unavailable), never a wrong digest, size or archive (the data is bad).
    const bool transient = absl::IsUnavailable(received.status()) ||
                           absl::IsDeadlineExceeded(received.status());
    if (!transient || attempt >= options_.download_attempts || stop()) return received;
    const absl::Duration wait = options_.download_retry_backoff * attempt;
    spdlog::warn("layer {}: attempt {} failed ({}); retrying in {}", layer.digest, attempt,
                 received.status().ToString(), absl::FormatDuration(wait));
    Report(request, short_id,
           absl::StrCat("Retrying in ", absl::ToInt64Seconds(wait + absl::Milliseconds(999)),
                        " second", wait > absl::Seconds(1) ? "s" : ""));
    for (absl::Time until = absl::Now() + wait; absl::Now() < until && !stop();) {
      absl::SleepFor(absl::Milliseconds(50));
    }
    if (stop()) return absl::CancelledError("pull cancelled");
  }
}

ImageManager::LayerClaims ImageManager::ClaimLayerDownloads(
    const std::vector<std::string>& chain_ids) {
  LayerClaims claims;
  absl::MutexLock lock(&downloads_mu_);
  for (const std::string& chain : chain_ids) {
    auto [it, inserted] = downloads_.try_emplace(chain, nullptr);
    if (inserted) {
      it->second = std::make_shared<absl::Notification>();
      claims.owned.push_back(chain);
      claims.waiting.push_back(nullptr);
    } else {
      claims.waiting.push_back(it->second);
    }
  }
  return claims;
}

void ImageManager::ReleaseLayerDownloads(const LayerClaims& claims) {
  absl::MutexLock lock(&downloads_mu_);
  for (const std::string& chain : claims.owned) {
    auto it = downloads_.find(chain);
    if (it == downloads_.end()) continue;
    it->second->Notify();
    downloads_.erase(it);
  }
}

absl::StatusOr<Image> ImageManager::Pull(const RegistryRequest& request) {
  absl::StatusOr<Image> image = PullUnlocked(request);
  if (options_.metrics != nullptr) {
    (image.ok() ? options_.metrics->pulls_ok : options_.metrics->pulls_failed)->Increment();
  }
  if (!image.ok()) {
    spdlog::warn("pull of '{}' failed: {}", request.reference, image.status().ToString());
    return image;
  }
  // As dockerd: the actor is the reference pulled, its name the repository.
  if (auto ref = reference::ParseNormalized(request.reference); ref.ok()) {
    reference::Reference tagged = reference::WithDefaultTag(*ref);
    Emit("pull", tagged.FamiliarString(), tagged.FamiliarName());
  }
  return image;
}

absl::StatusOr<Image> ImageManager::PullUnlocked(const RegistryRequest& caller_request) {
  // Layers download in parallel: progress reaches the caller one line at a time.
  RegistryRequest request = caller_request;
  if (caller_request.progress) {
    auto mu = std::make_shared<absl::Mutex>();
    request.progress = [mu, progress = caller_request.progress](const Progress& p) {
      absl::MutexLock lock(mu.get());
      progress(p);
    };
  }
  BERTH_ASSIGN_OR_RETURN(reference::Reference parsed,
                         reference::ParseNormalized(request.reference));
  reference::Reference ref = reference::WithDefaultTag(parsed);
  BERTH_ASSIGN_OR_RETURN(registry::Endpoint endpoint,
                         registry::ResolveEndpoint(options_.registry, ref.domain));
  BERTH_ASSIGN_OR_RETURN(registry::Credentials credentials,
                         registry::DecodeRegistryAuth(request.registry_auth));
  registry::RegistryClient client(options_.registry, endpoint, credentials, ref.path,
                                  /*push=*/false, request.cancelled);
  const std::string wanted = ref.digest.empty() ? ref.tag : ref.digest;
  Report(request, wanted, absl::StrCat("Pulling from ", ref.path));

  absl::StatusOr<registry::FetchedManifest> top = client.GetManifest(wanted);
  if (absl::IsNotFound(top.status())) {
    return absl::NotFoundError(absl::StrCat("manifest for ", ref.String(), " not found: ",
                                            top.status().message()));
  }
  if (!top.ok()) return top.status();
  const std::string repo_digest = top->digest;
  BERTH_ASSIGN_OR_RETURN(registry::Manifest manifest,
                         registry::ParseManifest(top->body, top->content_type));
  if (manifest.is_index) {
    BERTH_ASSIGN_OR_RETURN(registry::Descriptor entry,
                           registry::SelectPlatform(manifest, "linux", "amd64"));
    BERTH_ASSIGN_OR_RETURN(registry::FetchedManifest inner, client.GetManifest(entry.digest));
    if (static_cast<int64_t>(inner.body.size()) != entry.size) {
      return absl::DataLossError(absl::StrCat("manifest ", entry.digest, " has the wrong size"));
    }
    BERTH_ASSIGN_OR_RETURN(manifest, registry::ParseManifest(inner.body, inner.content_type));
    if (manifest.is_index) return absl::InvalidArgumentError("nested manifest lists");
  }

  // The config: its digest is the image id.
  if (manifest.config.size > kMaxConfigBytes) {
    return absl::InvalidArgumentError("image config larger than 8 MiB");
  }
  std::string config_bytes;
  BERTH_RETURN_IF_ERROR(client.FetchBlob(
      manifest.config.digest, manifest.config.size, [&](const char* data, size_t size) {
        if (options_.metrics != nullptr) {
          options_.metrics->pulled_bytes->Increment(static_cast<double>(size));
        }
        config_bytes.append(data, size);
        return absl::OkStatus();
      }));
  content::Sha256 config_hash;
  config_hash.Update(config_bytes.data(), config_bytes.size());
  const std::string id = config_hash.FinalDigest();
  if (id != manifest.config.digest) {
    return absl::DataLossError(
        absl::StrCat("image config verification failed for digest ", manifest.config.digest));
  }
  BERTH_ASSIGN_OR_RETURN(metadata::OciImage config, metadata::ParseOciImage(config_bytes));
  if (config.diff_ids.size() != manifest.layers.size()) {
    return absl::InvalidArgumentError(absl::StrCat("the manifest lists ", manifest.layers.size(),
                                                   " layers, the config ", config.diff_ids.size()));
  }

  StagedImage staged;
  staged.id = id;
  staged.config_bytes = std::move(config_bytes);
  staged.config = config;
  staged.chain_ids = ChainIds(config.diff_ids);
  staged.repo_digest = absl::StrCat(ref.FamiliarName(), "@", repo_digest);
  if (ref.digest.empty()) staged.tags.push_back(ref.FamiliarString());
  bool image_stored = false;
  {
    absl::ReaderMutexLock lock(&mu_);
    image_stored = images_.Get(id) != nullptr;
  }
  // Released after the publish below (or on failure): waiting pulls then
  // find the layers published.
  LayerClaims claims;
  absl::Cleanup release = [this, &claims] { ReleaseLayerDownloads(claims); };
  std::vector<ReceivedLayer> received;
  absl::Cleanup discard = [&received] {
    for (ReceivedLayer& r : received) (void)fs::RemoveTree(r.staged.dir);
  };
  if (!image_stored) {
    std::vector<bool> have;
    for (size_t i = 0; i < manifest.layers.size(); ++i) {
      const registry::Descriptor& layer = manifest.layers[i];
      have.push_back(HasLayer(staged.chain_ids[i]));
      Report(request, ShortId(layer.digest), have[i] ? "Already exists" : "Pulling fs layer");
    }
    std::vector<size_t> missing;
    for (size_t i = 0; i < manifest.layers.size(); ++i) {
      if (!have[i]) missing.push_back(i);
    }
    // Concurrent pulls share downloads: a layer another pull is receiving is
    // waited for (and found published) instead of downloaded again.
    std::vector<std::string> chains_missing;
    for (size_t i : missing) chains_missing.push_back(staged.chain_ids[i]);
    claims = ClaimLayerDownloads(chains_missing);
    // Up to max_concurrent_downloads layers at once (dockerd's default 3),
    // each worker with its own client (curl handle, token). The first error
    // stops the others; their staged dirs go with `received`.
    std::vector<std::optional<ReceivedLayer>> slots(manifest.layers.size());
    std::atomic<size_t> next{0};
    std::atomic<bool> failed{false};
    absl::Mutex error_mu;
    absl::Status first_error;
    registry::CancelCheck stop = [&] {
      return failed.load() || (request.cancelled && request.cancelled());
    };
    auto worker = [&] {
      registry::RegistryClient worker_client(options_.registry, endpoint, credentials, ref.path,
                                             /*push=*/false, stop);
      while (!failed.load()) {
        size_t k = next.fetch_add(1);
        if (k >= missing.size()) return;
        const size_t i = missing[k];
        if (const auto& other = claims.waiting[k]; other != nullptr) {
          Report(request, ShortId(manifest.layers[i].digest), "Waiting");
          while (!other->WaitForNotificationWithTimeout(absl::Milliseconds(100))) {
            if (stop()) return;
          }
          // Published by the other pull; when that pull failed, download it here.
          if (HasLayer(staged.chain_ids[i])) {
            Report(request, ShortId(manifest.layers[i].digest), "Already exists");
            continue;
          }
        }
        absl::StatusOr<ReceivedLayer> r = PullLayer(worker_client, request, manifest.layers[i],
                                                    config.diff_ids[i], staged.chain_ids, i, stop);
        if (!r.ok()) {
          absl::MutexLock lock(&error_mu);
          if (first_error.ok()) first_error = r.status();
          failed.store(true);
          return;
        }
        slots[i] = std::move(*r);
      }
    };
    const size_t threads = std::min<size_t>(
        missing.size(), static_cast<size_t>(std::max(1, options_.max_concurrent_downloads)));
    std::vector<std::thread> workers;
    for (size_t t = 0; t < threads; ++t) workers.emplace_back(worker);
    for (std::thread& t : workers) t.join();
    if (first_error.ok() && request.cancelled && request.cancelled()) {
      first_error = absl::CancelledError("pull cancelled");
    }
    for (std::optional<ReceivedLayer>& slot : slots) {
      if (slot.has_value()) received.push_back(std::move(*slot));
    }
    if (!first_error.ok()) return first_error;
  }

  // Publish: everything or nothing.
  BERTH_RETURN_IF_ERROR(PublishStaged({staged}, received));
  Report(request, "", absl::StrCat("Digest: ", repo_digest));
  Report(request, "",
         absl::StrCat(image_stored ? "Status: Image is up to date for "
                                   : "Status: Downloaded newer image for ",
                      ref.FamiliarString()));
  spdlog::info("image={} pulled as {} ({})", id, ref.FamiliarString(), repo_digest);
  absl::ReaderMutexLock lock(&mu_);
  const metadata::ImageRecord* record = images_.Get(id);
  if (record == nullptr) return absl::AbortedError("the image was removed during the pull");
  return ToImage(*record);
}

}  // namespace berth::imaged
