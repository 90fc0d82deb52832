// ImageManager::Push and Login: `docker push` and `docker login`.
//
// Push uploads each layer exactly as it was received or imported (the blob
// kept in the content store), so a pushed image pulled back has the same
// config digest (image id) and the same layer digests. Blobs the registry
// already has are skipped (HEAD first). A blob the store knows from another
// repository of the same registry (an image holding the layer was pulled
// from or pushed to it: its RepoDigests) is mounted from there; the rest is
// uploaded, in chunks when larger than --push_chunk_bytes.
#include <fcntl.h>
#include <unistd.h>

#include <prometheus/counter.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/status/status.h"
#include "services/imaged/image_manager.h"
#include "services/imaged/reference/reference.h"
#include "services/imaged/registry/manifest.h"
#include "spdlog/spdlog.h"

namespace berth::imaged {
namespace {

std::string ShortId(const std::string& digest) {
  size_t colon = digest.find(':');
  return digest.substr(colon == std::string::npos ? 0 : colon + 1, 12);
}

void Report(const RegistryRequest& request, std::string id, std::string status,
            int64_t current = 0, int64_t total = 0) {
  if (request.progress) request.progress({std::move(id), std::move(status), current, total});
}

// The OCI media type of a stored layer blob, from its first bytes.
absl::StatusOr<std::string> LayerMediaType(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoToStatus(errno, absl::StrCat("open '", path, "'"));
  char magic[6] = {};
  ssize_t n = ::read(fd, magic, sizeof(magic));
  ::close(fd);
  return registry::LayerMediaTypeFromMagic(std::string_view(magic, n > 0 ? n : 0));
}

// A repository on `ref`'s registry, other than ref's own, that holds layer
// `chain`: one named in the RepoDigests of an image that has the layer.
std::string MountSource(const std::vector<const metadata::ImageRecord*>& images,
                        const std::string& chain, const reference::Reference& ref) {
  for (const metadata::ImageRecord* image : images) {
    if (std::find(image->layers.begin(), image->layers.end(), chain) == image->layers.end()) {
      continue;
    }
    for (const std::string& repo_digest : image->repo_digests) {
      absl::StatusOr<reference::Reference> source =
          reference::ParseNormalized(repo_digest.substr(0, repo_digest.find('@')));
      if (source.ok() && source->domain == ref.domain && source->path != ref.path) {
        return source->path;
      }
    }
  }
  return "";
}

}  // namespace

absl::StatusOr<std::string> ImageManager::Push(const RegistryRequest& request) {
  absl::StatusOr<std::string> digest = PushUnlocked(request);
  if (options_.metrics != nullptr) {
    (digest.ok() ? options_.metrics->pushes_ok : options_.metrics->pushes_failed)->Increment();
  }
  if (digest.ok()) {
    if (auto ref = reference::ParseNormalized(request.reference); ref.ok()) {
      reference::Reference tagged = reference::WithDefaultTag(*ref);
      Emit("push", tagged.FamiliarString(), tagged.FamiliarName());
    }
  }
  return digest;
}

absl::StatusOr<std::string> ImageManager::PushUnlocked(const RegistryRequest& request) {
  BERTH_ASSIGN_OR_RETURN(reference::Reference parsed,
                         reference::ParseNormalized(request.reference));
  if (!parsed.digest.empty()) {
    return absl::InvalidArgumentError("cannot push a digest reference");
  }
  reference::Reference ref = reference::WithDefaultTag(parsed);
  std::string id;
  std::vector<layers::LayerRecord> layer_records;
  std::vector<std::string> mount_from;  // per layer; "" = upload
  {
    absl::ReaderMutexLock lock(&mu_);
    absl::StatusOr<std::string> resolved = ResolveLocked(ref.FamiliarString());
    if (!resolved.ok()) {
      return absl::NotFoundError(absl::StrCat("An image does not exist locally with the tag: ",
                                              ref.FamiliarName()));
    }
    id = *resolved;
    for (const std::string& chain : images_.Get(id)->layers) {
      const layers::LayerRecord* layer = layers_.Get(chain);
      if (layer == nullptr) return absl::InternalError(absl::StrCat("layer ", chain, " missing"));
      layer_records.push_back(*layer);
    }
    const std::vector<const metadata::ImageRecord*> all = images_.List();
    for (const layers::LayerRecord& layer : layer_records) {
      mount_from.push_back(MountSource(all, layer.chain_id, ref));
    }
  }
  BERTH_ASSIGN_OR_RETURN(registry::Endpoint endpoint,
                         registry::ResolveEndpoint(options_.registry, ref.domain));
  BERTH_ASSIGN_OR_RETURN(registry::Credentials credentials,
                         registry::DecodeRegistryAuth(request.registry_auth));
  registry::RegistryClient client(options_.registry, endpoint, credentials, ref.path,
                                  /*push=*/true, request.cancelled);
  Report(request, "", absl::StrCat("The push refers to repository [", ref.Name(), "]"));

  std::vector<registry::Descriptor> layers;
  for (const layers::LayerRecord& layer : layer_records) {
    if (layer.blob_digest.empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat("layer ", layer.chain_id, " has no stored blob to push"));
    }
    Report(request, ShortId(layer.blob_digest), "Preparing");
  }
  for (size_t i = 0; i < layer_records.size(); ++i) {
    const layers::LayerRecord& layer = layer_records[i];
    const std::string short_id = ShortId(layer.blob_digest);
    const std::string path = paths_.blob(layer.blob_digest.substr(7));
    registry::Descriptor d;
    d.digest = layer.blob_digest;
    BERTH_ASSIGN_OR_RETURN(d.size, content_.Size(layer.blob_digest));
    BERTH_ASSIGN_OR_RETURN(d.media_type, LayerMediaType(path));
    BERTH_ASSIGN_OR_RETURN(bool exists, client.BlobExists(d.digest));
    if (exists) {
      Report(request, short_id, "Layer already exists");
    } else {
      registry::UploadOptions upload;
      upload.chunk_bytes = options_.push_chunk_bytes;
      upload.mount_from = mount_from[i];
      int64_t reported = 0;
      upload.progress = [&](int64_t sent) {
        if (options_.metrics != nullptr) {
          options_.metrics->pushed_bytes->Increment(static_cast<double>(sent - reported));
        }
        reported = sent;
        Report(request, short_id, "Pushing", sent, d.size);
      };
      Report(request, short_id, "Pushing", 0, d.size);
      BERTH_ASSIGN_OR_RETURN(registry::UploadResult result,
                             client.UploadBlob(d.digest, path, d.size, upload));
      if (result == registry::UploadResult::kMounted) {
        Report(request, short_id, absl::StrCat("Mounted from ", mount_from[i]));
      } else {
        Report(request, short_id, "Pushed");
      }
    }
    layers.push_back(std::move(d));
  }
  registry::Descriptor config;
  config.media_type = registry::kOciConfig;
  config.digest = id;
  BERTH_ASSIGN_OR_RETURN(config.size, content_.Size(id));
  BERTH_ASSIGN_OR_RETURN(bool config_exists, client.BlobExists(id));
  if (!config_exists) {
    BERTH_RETURN_IF_ERROR(client.UploadBlob(id, paths_.blob(id.substr(7)), config.size).status());
    if (options_.metrics != nullptr) {
      options_.metrics->pushed_bytes->Increment(static_cast<double>(config.size));
    }
  }
  std::string manifest = registry::SerializeOciManifest(config, layers);
  BERTH_ASSIGN_OR_RETURN(std::string digest,
                         client.PutManifest(ref.tag, registry::kOciManifest, manifest));
  {
    // As Docker: the image now also answers to "name@digest" (RepoDigests).
    absl::MutexLock lock(&mu_);
    if (const metadata::ImageRecord* stored = images_.Get(id); stored != nullptr) {
      std::string repo_digest = absl::StrCat(ref.FamiliarName(), "@", digest);
      metadata::ImageRecord record = *stored;
      if (std::find(record.repo_digests.begin(), record.repo_digests.end(), repo_digest) ==
          record.repo_digests.end()) {
        record.repo_digests.push_back(repo_digest);
        BERTH_RETURN_IF_ERROR(images_.Put(record));
      }
    }
  }
  Report(request, "", absl::StrCat(ref.tag, ": digest: ", digest, " size: ", manifest.size()));
  spdlog::info("image={} pushed as {} ({})", id, ref.String(), digest);
  return digest;
}

absl::Status ImageManager::Login(const std::string& server, const std::string& registry_auth) {
  std::string domain = server.empty() ? "docker.io" : server;
  // "https://host/v1/" and friends, as docker login accepts them.
  for (const char* prefix : {"https://", "http://"}) {
    if (domain.rfind(prefix, 0) == 0) domain = domain.substr(std::string(prefix).size());
  }
  domain = domain.substr(0, domain.find('/'));
  if (domain == "index.docker.io") domain = "docker.io";
  BERTH_ASSIGN_OR_RETURN(registry::Endpoint endpoint,
                         registry::ResolveEndpoint(options_.registry, domain));
  BERTH_ASSIGN_OR_RETURN(registry::Credentials credentials,
                         registry::DecodeRegistryAuth(registry_auth));
  registry::RegistryClient client(options_.registry, endpoint, credentials, "");
  return client.Ping();
}

}  // namespace berth::imaged
