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
//  4. under the lock: publish blobs, layers, the config, the image record and
//     last the tag.
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <thread>

#include <prometheus/counter.h>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
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

absl::Status SendAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoToStatus(errno, "feeding the unpacker");
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

// A layer downloaded and unpacked into tmp/, waiting to be published.
struct PulledLayer {
  std::unique_ptr<content::BlobWriter> blob;
  layers::StagedLayer staged;
  layers::LayerRecord record;
};

}  // namespace

absl::StatusOr<Image> ImageManager::Pull(const RegistryRequest& request) {
  absl::StatusOr<Image> image = PullUnlocked(request);
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

absl::StatusOr<Image> ImageManager::PullUnlocked(const RegistryRequest& request) {
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
  const std::string tag = ref.digest.empty() ? ref.FamiliarString() : "";

  // Which layers are missing (chain ids decide, as for imports).
  std::vector<std::string> chain_ids;
  std::vector<bool> have;
  bool image_stored = false;
  {
    absl::ReaderMutexLock lock(&mu_);
    std::string parent;
    for (const std::string& diff_id : config.diff_ids) {
      parent = layers::ChainId(parent, diff_id);
      chain_ids.push_back(parent);
      have.push_back(layers_.Get(parent) != nullptr);
    }
    image_stored = images_.Get(id) != nullptr;
  }
  std::vector<PulledLayer> pulled;
  absl::Cleanup discard = [&pulled] {
    for (PulledLayer& p : pulled) (void)fs::RemoveTree(p.staged.dir);
  };
  if (!image_stored) {
    for (size_t i = 0; i < manifest.layers.size(); ++i) {
      const registry::Descriptor& layer = manifest.layers[i];
      Report(request, ShortId(layer.digest), have[i] ? "Already exists" : "Pulling fs layer");
    }
    for (size_t i = 0; i < manifest.layers.size(); ++i) {
      if (have[i]) continue;
      const registry::Descriptor& layer = manifest.layers[i];
      const std::string short_id = ShortId(layer.digest);
      PulledLayer p;
      BERTH_ASSIGN_OR_RETURN(p.blob, content_.NewWriter());
      BERTH_ASSIGN_OR_RETURN(p.staged, layers::LayerStore::Stage(paths_));
      pulled.push_back(std::move(p));
      PulledLayer& current = pulled.back();

      int fds[2];
      if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
        return ErrnoToStatus(errno, "socketpair");
      }
      fs::ScopedFd feed(fds[0]);
      auto drain = std::make_shared<fs::ScopedFd>(fds[1]);
      layers::UnpackOptions unpack_options;
      // Lower layers exist below this one: whiteouts must hide their entries.
      unpack_options.whiteouts = layers::WhiteoutMode::kOverlay;
      unpack_options.apply_ownership = options_.apply_ownership;
      unpack_options.limits = options_.limits;
      absl::StatusOr<layers::UnpackResult> unpacked = absl::InternalError("unpacker did not run");
      std::thread unpacker([&unpacked, drain, &current, &unpack_options] {
        unpacked = layers::UnpackLayerFromFd(drain->get(), current.staged.diff, unpack_options);
        // Closing our end makes the downloader's next send fail (EPIPE)
        // when the unpacker gave up early.
        drain->reset();
      });
      int64_t received = 0;
      int64_t last_report = 0;
      bool unpacker_gone = false;
      absl::Status fetched = client.FetchBlob(
          layer.digest, layer.size,
          [&](const char* data, size_t size) -> absl::Status {
            received += static_cast<int64_t>(size);
            BERTH_RETURN_IF_ERROR(layers::CheckUploadBytes(options_.limits, received));
            BERTH_RETURN_IF_ERROR(current.blob->Write(data, size));
            // When the unpacker gave up, the rest is still hashed (up to the
            // descriptor's size): a wrong digest is the true cause to report.
            if (!unpacker_gone) unpacker_gone = !SendAll(feed.get(), data, size).ok();
            return absl::OkStatus();
          },
          [&](int64_t done) {
            // About one progress line per 512 KiB, like Docker's rate.
            if (done - last_report >= 512 * 1024 || done == layer.size) {
              last_report = done;
              Report(request, short_id, "Downloading", done, layer.size);
            }
          });
      feed.reset();  // EOF for the unpacker
      unpacker.join();
      if (options_.metrics != nullptr) {
        options_.metrics->import_bytes->Increment(static_cast<double>(received));
      }
      BERTH_RETURN_IF_ERROR(fetched);
      BERTH_ASSIGN_OR_RETURN(std::string blob_digest, current.blob->Close());
      if (blob_digest != layer.digest) {
        return absl::DataLossError(
            absl::StrCat("filesystem layer verification failed for digest ", layer.digest));
      }
      if (!unpacked.ok()) return unpacked.status();
      if (unpacked->diff_id != config.diff_ids[i]) {
        return absl::DataLossError(absl::StrCat("layer ", layer.digest, " unpacks to ",
                                                unpacked->diff_id, ", the config says ",
                                                config.diff_ids[i]));
      }
      Report(request, short_id, "Download complete");
      current.record.chain_id = chain_ids[i];
      current.record.diff_id = unpacked->diff_id;
      current.record.blob_digest = blob_digest;
      current.record.parent = i == 0 ? "" : chain_ids[i - 1];
      current.record.size = unpacked->size;
      Report(request, short_id, "Pull complete");
    }
  }

  // Publish: everything or nothing.
  absl::MutexLock lock(&mu_);
  bool record_written = false;
  absl::Status status = [&]() -> absl::Status {
    if (images_.Get(id) == nullptr) {
      BERTH_ASSIGN_OR_RETURN(std::string stored, content_.Put(config_bytes));
      if (stored != id) return absl::InternalError("config digest changed while storing it");
      for (PulledLayer& p : pulled) {
        if (layers_.Get(p.record.chain_id) != nullptr) continue;  // a concurrent pull won
        BERTH_RETURN_IF_ERROR(content_.Commit(*p.blob));
        BERTH_RETURN_IF_ERROR(layers_.Commit(p.staged, p.record).status());
      }
      metadata::ImageRecord record;
      record.id = id;
      record.config = config;
      for (const std::string& chain : chain_ids) {
        const layers::LayerRecord* layer = layers_.Get(chain);
        if (layer == nullptr) {
          return absl::AbortedError("a layer was removed during the pull; pull again");
        }
        record.layers.push_back(chain);
        record.size += layer->size;
      }
      BERTH_RETURN_IF_ERROR(images_.Put(record));
      record_written = true;
    }
    if (!tag.empty()) BERTH_RETURN_IF_ERROR(images_.SetTag(tag, id));
    return absl::OkStatus();
  }();
  if (!status.ok()) {
    if (record_written) images_.Delete(id).IgnoreError();
    absl::Status gc = CollectGarbage();
    if (!gc.ok()) spdlog::warn("pull cleanup: {}", gc.ToString());
    return status;
  }
  UpdateGauges();
  Report(request, "", absl::StrCat("Digest: ", repo_digest));
  Report(request, "",
         absl::StrCat(image_stored ? "Status: Image is up to date for "
                                   : "Status: Downloaded newer image for ",
                      ref.FamiliarString()));
  spdlog::info("image={} pulled as {} ({})", id, ref.FamiliarString(), repo_digest);
  return ToImage(*images_.Get(id));
}

}  // namespace berth::imaged
