// ImageManager::Save and Load: `docker save` / `docker load`.
//
// Save writes what Docker 25+ writes: one tar holding both the `docker save`
// layout (manifest.json, repositories) and the OCI image layout (oci-layout,
// index.json), sharing blobs/sha256/<hex> (configs, OCI manifests, layers as
// they are kept: the blob imported, pulled or committed).
//
// Load reads either layout (manifest.json wins when both are present, as in
// dockerd). The outer archive is untrusted: it is unpacked with the same
// hardened unpacker as layers (no absolute paths, no `..`, no entry below a
// symlink, the layer limits) into a private tmp/load-* dir, every file named
// by the manifests is opened with openat2(RESOLVE_BENEATH) so that a symlink
// (legacy archives use them for shared layers) cannot lead outside it, and
// every config and layer is verified (config digest = image id, layer diff ids
// as the config says, OCI blob digests) before one locked publish. Any error
// leaves the store as it was.
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/fs/fs.h"
#include "common/status/status.h"
#include "services/imaged/image_manager.h"
#include "services/imaged/layers/stream_unpack.h"
#include "services/imaged/reference/reference.h"
#include "services/imaged/registry/manifest.h"
#include "spdlog/spdlog.h"

namespace berth::imaged {
namespace {

using Json = nlohmann::ordered_json;

constexpr int64_t kMaxJsonBytes = 8 * 1024 * 1024;
constexpr size_t kCopyChunk = 256 * 1024;

std::string Hex(const std::string& digest) { return digest.substr(digest.find(':') + 1); }
std::string BlobPath(const std::string& digest) { return absl::StrCat("blobs/sha256/", Hex(digest)); }

// "busybox:latest" → "busybox"; "localhost:5000/a:v1" → "localhost:5000/a".
std::string RepositoryOf(const std::string& tag) {
  size_t slash = tag.rfind('/');
  size_t colon = tag.rfind(':');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
    return tag.substr(0, colon);
  }
  return tag;
}

// --- writing ----------------------------------------------------------------

struct ArchiveWriteDeleter {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct EntryDeleter {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

// An uncompressed tar streamed to a sink.
class TarOut {
 public:
  explicit TarOut(const layers::TarSink& sink) : sink_(sink), a_(archive_write_new()) {
    archive_write_set_format_pax_restricted(a_.get());
    archive_write_set_bytes_per_block(a_.get(), 0);
    archive_write_open(a_.get(), this, nullptr, &TarOut::Write, nullptr);
  }

  absl::Status Dir(const std::string& name) { return Header(name, AE_IFDIR, 0755, 0); }

  absl::Status File(const std::string& name, const std::string& data) {
    BERTH_RETURN_IF_ERROR(Header(name, AE_IFREG, 0644, static_cast<int64_t>(data.size())));
    return Data(data.data(), data.size());
  }

  absl::Status FileFromFd(const std::string& name, int fd, int64_t size) {
    BERTH_RETURN_IF_ERROR(Header(name, AE_IFREG, 0644, size));
    std::string buf(kCopyChunk, '\0');
    int64_t done = 0;
    while (done < size) {
      ssize_t n = ::pread(fd, buf.data(), buf.size(), done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return ErrnoToStatus(errno, absl::StrCat("reading blob for ", name));
      if (n == 0) return absl::DataLossError(absl::StrCat("blob for ", name, " is shorter than stored"));
      size_t take = static_cast<size_t>(std::min<int64_t>(n, size - done));
      BERTH_RETURN_IF_ERROR(Data(buf.data(), take));
      done += static_cast<int64_t>(take);
    }
    return absl::OkStatus();
  }

  absl::Status Close() {
    if (archive_write_close(a_.get()) != ARCHIVE_OK) return Failure("closing the archive");
    return absl::OkStatus();
  }

 private:
  static la_ssize_t Write(archive*, void* opaque, const void* buf, size_t size) {
    auto* self = static_cast<TarOut*>(opaque);
    if (!self->error_.ok()) return -1;
    self->error_ = self->sink_(buf, size);
    return self->error_.ok() ? static_cast<la_ssize_t>(size) : -1;
  }

  absl::Status Header(const std::string& name, unsigned type, int mode, int64_t size) {
    std::unique_ptr<archive_entry, EntryDeleter> e(archive_entry_new());
    archive_entry_set_pathname(e.get(), name.c_str());
    archive_entry_set_filetype(e.get(), type);
    archive_entry_set_perm(e.get(), mode);
    archive_entry_set_size(e.get(), size);
    archive_entry_set_mtime(e.get(), 0, 0);
    if (archive_write_header(a_.get(), e.get()) != ARCHIVE_OK) return Failure(name);
    return absl::OkStatus();
  }

  absl::Status Data(const char* data, size_t size) {
    if (archive_write_data(a_.get(), data, size) < 0) return Failure("writing data");
    return absl::OkStatus();
  }

  absl::Status Failure(const std::string& what) {
    if (!error_.ok()) return error_;  // the sink's own error (client gone, ...)
    const char* text = archive_error_string(a_.get());
    return absl::InternalError(absl::StrCat("save: ", what, ": ", text ? text : "tar error"));
  }

  const layers::TarSink& sink_;
  std::unique_ptr<archive, ArchiveWriteDeleter> a_;
  absl::Status error_;
};

struct SavedBlob {
  fs::ScopedFd fd;
  int64_t size = 0;
  std::string media_type;  // layers only
};

}  // namespace

absl::Status ImageManager::Save(const std::vector<std::string>& refs,
                                const layers::TarSink& sink) const {
  if (refs.empty()) return absl::InvalidArgumentError("no image to save");
  struct SavedImage {
    std::string id;
    std::vector<std::string> tags;
    std::vector<std::string> layer_blobs;  // digests, bottom first
    std::string top_diff_id;
  };
  std::vector<SavedImage> saved;
  std::map<std::string, SavedBlob> blobs;  // by digest
  {
    // Open every blob under the lock: an rmi during the stream then only
    // unlinks files we still read.
    absl::ReaderMutexLock lock(&mu_);
    auto add = [&](const std::string& id, const std::string& tag) {
      for (SavedImage& s : saved) {
        if (s.id != id) continue;
        if (!tag.empty()) s.tags.push_back(tag);
        return;
      }
      saved.push_back({id, tag.empty() ? std::vector<std::string>{} : std::vector<std::string>{tag}, {}, ""});
    };
    for (const std::string& ref : refs) {
      absl::StatusOr<reference::Reference> parsed = reference::ParseNormalized(ref);
      bool named = parsed.ok() && parsed->digest.empty() && !reference::IsFullHexId(ref);
      if (named && parsed->tag.empty()) {
        // "busybox": every tag of the repository, as `docker save` does.
        bool any = false;
        for (const metadata::ImageRecord* record : images_.List()) {
          for (const std::string& tag : images_.TagsOf(record->id)) {
            if (RepositoryOf(tag) == parsed->FamiliarName()) {
              add(record->id, tag);
              any = true;
            }
          }
        }
        if (any) continue;
      }
      BERTH_ASSIGN_OR_RETURN(std::string id, ResolveLocked(ref));
      std::string tag;
      if (named) {
        std::string familiar = reference::WithDefaultTag(*parsed).FamiliarString();
        if (images_.LookupTag(familiar) == id) tag = familiar;
      }
      add(id, tag);
    }
    for (SavedImage& s : saved) {
      const metadata::ImageRecord* record = images_.Get(s.id);
      std::vector<std::pair<std::string, bool>> wanted = {{s.id, false}};
      for (const std::string& chain : record->layers) {
        const layers::LayerRecord* layer = layers_.Get(chain);
        if (layer == nullptr || layer->blob_digest.empty()) {
          return absl::FailedPreconditionError(
              absl::StrCat("layer ", chain, " of image ", s.id, " has no stored blob to save"));
        }
        s.layer_blobs.push_back(layer->blob_digest);
        s.top_diff_id = layer->diff_id;
        wanted.push_back({layer->blob_digest, true});
      }
      for (const auto& [digest, is_layer] : wanted) {
        if (blobs.count(digest) != 0) continue;
        std::string path = paths_.blob(Hex(digest));
        SavedBlob blob;
        blob.fd.reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
        if (!blob.fd.valid()) return ErrnoToStatus(errno, absl::StrCat("open blob ", digest));
        struct stat st {};
        if (::fstat(blob.fd.get(), &st) != 0) return ErrnoToStatus(errno, "fstat blob");
        blob.size = st.st_size;
        if (is_layer) {
          char head[6] = {};
          ssize_t n = ::pread(blob.fd.get(), head, sizeof(head), 0);
          BERTH_ASSIGN_OR_RETURN(blob.media_type, registry::LayerMediaTypeFromMagic(
                                                      std::string_view(head, n > 0 ? n : 0)));
        }
        blobs.emplace(digest, std::move(blob));
      }
    }
  }

  TarOut out(sink);
  BERTH_RETURN_IF_ERROR(out.Dir("blobs/"));
  BERTH_RETURN_IF_ERROR(out.Dir("blobs/sha256/"));
  for (auto& [digest, blob] : blobs) {
    BERTH_RETURN_IF_ERROR(out.FileFromFd(BlobPath(digest), blob.fd.get(), blob.size));
  }
  Json index_manifests = Json::array();
  Json docker_manifest = Json::array();
  Json repositories = Json::object();
  for (const SavedImage& s : saved) {
    registry::Descriptor config;
    config.media_type = registry::kOciConfig;
    config.digest = s.id;
    config.size = blobs.at(s.id).size;
    std::vector<registry::Descriptor> layers;
    Json layer_paths = Json::array();
    for (const std::string& digest : s.layer_blobs) {
      registry::Descriptor d;
      d.media_type = blobs.at(digest).media_type;
      d.digest = digest;
      d.size = blobs.at(digest).size;
      layers.push_back(d);
      layer_paths.push_back(BlobPath(digest));
    }
    std::string manifest = registry::SerializeOciManifest(config, layers);
    content::Sha256 hash;
    hash.Update(manifest.data(), manifest.size());
    const std::string manifest_digest = hash.FinalDigest();
    BERTH_RETURN_IF_ERROR(out.File(BlobPath(manifest_digest), manifest));
    Json descriptor = {{"mediaType", registry::kOciManifest},
                       {"digest", manifest_digest},
                       {"size", manifest.size()}};
    if (s.tags.empty()) index_manifests.push_back(descriptor);
    for (const std::string& tag : s.tags) {
      absl::StatusOr<reference::Reference> ref = reference::ParseNormalized(tag);
      if (!ref.ok()) continue;
      Json entry = descriptor;
      entry["annotations"] = {{"io.containerd.image.name", ref->String()},
                              {"org.opencontainers.image.ref.name", ref->tag}};
      index_manifests.push_back(entry);
      if (!s.top_diff_id.empty()) repositories[ref->FamiliarName()][ref->tag] = Hex(s.top_diff_id);
    }
    docker_manifest.push_back({{"Config", BlobPath(s.id)},
                               {"RepoTags", s.tags.empty() ? Json(nullptr) : Json(s.tags)},
                               {"Layers", layer_paths}});
  }
  Json index = {{"schemaVersion", 2},
                {"mediaType", registry::kOciIndex},
                {"manifests", index_manifests}};
  BERTH_RETURN_IF_ERROR(out.File("index.json", index.dump()));
  BERTH_RETURN_IF_ERROR(out.File("manifest.json", docker_manifest.dump()));
  BERTH_RETURN_IF_ERROR(out.File("oci-layout", R"({"imageLayoutVersion":"1.0.0"})"));
  if (!repositories.empty()) BERTH_RETURN_IF_ERROR(out.File("repositories", repositories.dump()));
  return out.Close();
}

// --- reading ----------------------------------------------------------------

namespace {

// A file of the unpacked archive, opened so that nothing (`..`, absolute
// symlinks, symlinks pointing up) resolves outside the archive's root.
absl::StatusOr<fs::ScopedFd> OpenBeneath(int root, const std::string& path) {
  open_how how{};
  how.flags = O_RDONLY | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
  int fd = static_cast<int>(::syscall(SYS_openat2, root, path.c_str(), &how, sizeof(how)));
  if (fd < 0) {
    if (errno == ENOENT) {
      return absl::InvalidArgumentError(absl::StrCat("the archive has no file '", path, "'"));
    }
    if (errno == EXDEV || errno == ELOOP) {
      return absl::InvalidArgumentError(
          absl::StrCat("archive path '", path, "' leads outside the archive"));
    }
    return ErrnoToStatus(errno, absl::StrCat("open '", path, "' in the archive"));
  }
  fs::ScopedFd owned(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0) return ErrnoToStatus(errno, "fstat");
  if (!S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat("archive path '", path, "' is not a file"));
  }
  return owned;
}

bool ExistsBeneath(int root, const std::string& path) { return OpenBeneath(root, path).ok(); }

absl::StatusOr<std::string> ReadSmall(int root, const std::string& path) {
  BERTH_ASSIGN_OR_RETURN(fs::ScopedFd fd, OpenBeneath(root, path));
  std::string out;
  char buf[64 * 1024];
  while (true) {
    ssize_t n = ::read(fd.get(), buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoToStatus(errno, absl::StrCat("read '", path, "'"));
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (static_cast<int64_t>(out.size()) > kMaxJsonBytes) {
      return absl::InvalidArgumentError(absl::StrCat("archive file '", path, "' is too large"));
    }
  }
  return out;
}

// A blob of the OCI layout, checked against its descriptor.
absl::StatusOr<std::string> ReadVerifiedBlob(int root, const registry::Descriptor& d) {
  if (d.size > kMaxJsonBytes) {
    return absl::InvalidArgumentError(absl::StrCat("blob ", d.digest, " is too large"));
  }
  BERTH_ASSIGN_OR_RETURN(std::string body, ReadSmall(root, BlobPath(d.digest)));
  content::Sha256 hash;
  hash.Update(body.data(), body.size());
  if (hash.FinalDigest() != d.digest || static_cast<int64_t>(body.size()) != d.size) {
    return absl::DataLossError(absl::StrCat("blob ", d.digest, " does not match its digest"));
  }
  return body;
}

// What one image of the archive consists of.
struct LoadPlan {
  std::string config_path;
  std::string config_digest;  // OCI: from the manifest; "" for manifest.json
  std::vector<std::string> tags;
  std::vector<std::string> layer_paths;
  std::vector<std::string> layer_digests;  // OCI only
};

absl::StatusOr<std::string> FamiliarTag(const std::string& name) {
  BERTH_ASSIGN_OR_RETURN(reference::Reference ref, reference::ParseNormalized(name));
  if (!ref.digest.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("invalid tag '", name, "' in the archive"));
  }
  return reference::WithDefaultTag(ref).FamiliarString();
}

absl::StatusOr<std::vector<LoadPlan>> PlanDockerSave(int root) {
  BERTH_ASSIGN_OR_RETURN(std::string text, ReadSmall(root, "manifest.json"));
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_array()) return absl::InvalidArgumentError("manifest.json is not a JSON array");
  std::vector<LoadPlan> plans;
  for (const nlohmann::json& entry : j) {
    if (!entry.is_object() || !entry.contains("Config") || !entry["Config"].is_string() ||
        !entry.contains("Layers") || !entry["Layers"].is_array()) {
      return absl::InvalidArgumentError("manifest.json: an entry lacks Config or Layers");
    }
    LoadPlan plan;
    plan.config_path = entry["Config"].get<std::string>();
    for (const nlohmann::json& layer : entry["Layers"]) {
      if (!layer.is_string()) return absl::InvalidArgumentError("manifest.json: bad layer path");
      plan.layer_paths.push_back(layer.get<std::string>());
    }
    if (auto tags = entry.find("RepoTags"); tags != entry.end() && tags->is_array()) {
      for (const nlohmann::json& tag : *tags) {
        if (!tag.is_string()) return absl::InvalidArgumentError("manifest.json: bad tag");
        BERTH_ASSIGN_OR_RETURN(std::string familiar, FamiliarTag(tag.get<std::string>()));
        plan.tags.push_back(familiar);
      }
    }
    plans.push_back(std::move(plan));
  }
  return plans;
}

absl::StatusOr<std::vector<LoadPlan>> PlanOciLayout(int root) {
  BERTH_ASSIGN_OR_RETURN(std::string text, ReadSmall(root, "index.json"));
  BERTH_ASSIGN_OR_RETURN(registry::Manifest index, registry::ParseManifest(text, registry::kOciIndex));
  if (!index.is_index) return absl::InvalidArgumentError("index.json is not an image index");
  std::vector<LoadPlan> plans;
  std::map<std::string, size_t> by_manifest;  // manifest digest → plan
  for (const registry::Descriptor& top : index.manifests) {
    registry::Descriptor d = top;
    BERTH_ASSIGN_OR_RETURN(std::string body, ReadVerifiedBlob(root, d));
    BERTH_ASSIGN_OR_RETURN(registry::Manifest manifest, registry::ParseManifest(body, d.media_type));
    if (manifest.is_index) {
      BERTH_ASSIGN_OR_RETURN(d, registry::SelectPlatform(manifest, "linux", "amd64"));
      BERTH_ASSIGN_OR_RETURN(body, ReadVerifiedBlob(root, d));
      BERTH_ASSIGN_OR_RETURN(manifest, registry::ParseManifest(body, d.media_type));
      if (manifest.is_index) return absl::InvalidArgumentError("nested image indexes");
    }
    auto [it, fresh] = by_manifest.emplace(d.digest, plans.size());
    if (fresh) {
      LoadPlan plan;
      plan.config_path = BlobPath(manifest.config.digest);
      plan.config_digest = manifest.config.digest;
      for (const registry::Descriptor& layer : manifest.layers) {
        plan.layer_paths.push_back(BlobPath(layer.digest));
        plan.layer_digests.push_back(layer.digest);
      }
      plans.push_back(std::move(plan));
    }
    // Docker names the image in containerd's annotation; a bare
    // "org.opencontainers.image.ref.name" is only a tag and says no repository.
    std::string name;
    if (auto a = top.annotations.find("io.containerd.image.name"); a != top.annotations.end()) {
      name = a->second;
    } else if (auto r = top.annotations.find("org.opencontainers.image.ref.name");
               r != top.annotations.end() && absl::StrContains(r->second, ':')) {
      name = r->second;
    }
    if (!name.empty()) {
      BERTH_ASSIGN_OR_RETURN(std::string familiar, FamiliarTag(name));
      plans[it->second].tags.push_back(familiar);
    }
  }
  return plans;
}

}  // namespace

absl::StatusOr<LoadResult> ImageManager::Load(const ChunkReader& reader) {
  // 1. The archive, unpacked into a private dir with the layer unpacker's rules.
  std::string root_dir = absl::StrCat(paths_.tmp_dir(), "/load-XXXXXX");
  if (::mkdtemp(root_dir.data()) == nullptr) return ErrnoToStatus(errno, "mkdtemp");
  absl::Cleanup remove_root = [&root_dir] { (void)fs::RemoveTree(root_dir); };
  {
    layers::UnpackOptions outer;
    outer.whiteouts = layers::WhiteoutMode::kDrop;
    outer.apply_ownership = false;
    outer.limits = options_.limits;
    BERTH_ASSIGN_OR_RETURN(std::unique_ptr<layers::StreamingUnpacker> unpacker,
                           layers::StreamingUnpacker::Start(root_dir, outer));
    while (true) {
      absl::StatusOr<std::optional<std::string>> chunk = reader();
      if (!chunk.ok()) {
        (void)unpacker->Finish();
        return chunk.status();
      }
      if (!chunk->has_value()) break;
      if (!unpacker->Feed((*chunk)->data(), (*chunk)->size())) break;  // Finish says why
    }
    absl::StatusOr<layers::UnpackResult> unpacked = unpacker->Finish();
    if (!unpacked.ok()) return Annotate(unpacked.status(), "load: reading the archive");
  }
  fs::ScopedFd root(::open(root_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) return ErrnoToStatus(errno, "open the unpacked archive");

  // 2. Which images, from which files.
  std::vector<LoadPlan> plans;
  if (ExistsBeneath(root.get(), "manifest.json")) {
    BERTH_ASSIGN_OR_RETURN(plans, PlanDockerSave(root.get()));
  } else if (ExistsBeneath(root.get(), "index.json")) {
    BERTH_ASSIGN_OR_RETURN(plans, PlanOciLayout(root.get()));
  } else {
    return absl::InvalidArgumentError(
        "the archive has neither manifest.json nor index.json: not a `docker save` tar or an "
        "OCI image layout");
  }
  if (plans.empty()) return absl::InvalidArgumentError("the archive holds no image");

  // 3. Verify the configs and receive the layers not stored yet.
  LoadResult result;
  std::vector<StagedImage> staged;
  std::vector<ReceivedLayer> received;
  absl::Cleanup discard = [&received] {
    for (ReceivedLayer& r : received) (void)fs::RemoveTree(r.staged.dir);
  };
  std::set<std::string> receiving;  // chain ids received by this load
  for (const LoadPlan& plan : plans) {
    StagedImage image;
    BERTH_ASSIGN_OR_RETURN(image.config_bytes, ReadSmall(root.get(), plan.config_path));
    content::Sha256 hash;
    hash.Update(image.config_bytes.data(), image.config_bytes.size());
    image.id = hash.FinalDigest();
    if (!plan.config_digest.empty() && plan.config_digest != image.id) {
      return absl::DataLossError(
          absl::StrCat("image config verification failed for digest ", plan.config_digest));
    }
    BERTH_ASSIGN_OR_RETURN(image.config, metadata::ParseOciImage(image.config_bytes));
    if (image.config.diff_ids.size() != plan.layer_paths.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("image ", image.id, ": the archive lists ", plan.layer_paths.size(),
                       " layers, its config ", image.config.diff_ids.size()));
    }
    image.chain_ids = ChainIds(image.config.diff_ids);
    image.tags = plan.tags;
    for (size_t i = 0; i < plan.layer_paths.size(); ++i) {
      const std::string& chain = image.chain_ids[i];
      if (receiving.count(chain) != 0 || HasLayer(chain)) continue;
      BERTH_ASSIGN_OR_RETURN(fs::ScopedFd fd, OpenBeneath(root.get(), plan.layer_paths[i]));
      int64_t size = 0;
      auto read_file = [&](const BlobSink& sink) -> absl::Status {
        std::string buf(kCopyChunk, '\0');
        while (true) {
          ssize_t n = ::read(fd.get(), buf.data(), buf.size());
          if (n < 0 && errno == EINTR) continue;
          if (n < 0) return ErrnoToStatus(errno, "reading a layer of the archive");
          if (n == 0) return absl::OkStatus();
          size += n;
          BERTH_RETURN_IF_ERROR(sink(buf.data(), static_cast<size_t>(n)));
        }
      };
      std::string expected = plan.layer_digests.empty() ? "" : plan.layer_digests[i];
      absl::StatusOr<ReceivedLayer> layer =
          ReceiveLayer(read_file, expected, image.config.diff_ids[i], chain,
                       i == 0 ? "" : image.chain_ids[i - 1]);
      if (!layer.ok()) {
        return Annotate(layer.status(), absl::StrCat("load: layer '", plan.layer_paths[i], "'"));
      }
      received.push_back(std::move(*layer));
      receiving.insert(chain);
      result.layers.push_back({image.config.diff_ids[i], size});
    }
    if (image.tags.empty()) {
      result.untagged_ids.push_back(image.id);
    } else {
      result.tags.insert(result.tags.end(), image.tags.begin(), image.tags.end());
    }
    staged.push_back(std::move(image));
  }

  // 4. One publish for all.
  BERTH_RETURN_IF_ERROR(PublishStaged(staged, received));
  for (const StagedImage& image : staged) {
    Emit("load", image.id, image.tags.empty() ? image.id : image.tags.front());
  }
  spdlog::info("loaded {} image(s), {} new layer(s)", staged.size(), received.size());
  return result;
}

}  // namespace berth::imaged
