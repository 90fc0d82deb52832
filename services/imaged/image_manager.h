#pragma once

// The imaged domain: importing images, resolving references, tags, removal and
// container snapshots, on top of the content, layer, image and snapshot stores.
// No gRPC types here; imaged_service.cc adapts.
//
// Thread-safe: every public method may be called concurrently. Long work
// (receiving and unpacking an import) runs outside the lock; the lock covers
// only the metadata updates that publish the result.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/events/event_log.h"
#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "services/imaged/content/content_store.h"
#include "services/imaged/layers/diff_writer.h"
#include "services/imaged/layers/layer_store.h"
#include "services/imaged/layers/snapshot_changes.h"
#include "services/imaged/layers/unpack.h"
#include "services/imaged/metadata/image_config.h"
#include "services/imaged/metadata/image_store.h"
#include "services/imaged/metrics.h"
#include "services/imaged/paths.h"
#include "services/imaged/registry/manifest.h"
#include "services/imaged/registry/registry_client.h"
#include "services/imaged/registry/registry_config.h"
#include "services/imaged/snapshots/snapshot_store.h"

namespace berth::imaged {

// The state dir layout version this code reads and writes.
inline constexpr int kSchemaVersion = 1;

struct ImageManagerOptions {
  std::string state_dir;
  // Time source for "created" stamps; absl::Now when empty.
  std::function<absl::Time()> clock;
  // Apply archive uid/gid when unpacking; defaults to "running as root".
  bool apply_ownership = true;
  // May be null (tests); must outlive the manager otherwise.
  ImagedMetrics* metrics = nullptr;
  // Caps on what one imported layer may expand to (see layers/limits.h).
  layers::UnpackLimits limits;
  // Which registries pulls and pushes may contact, mirrors, plain-HTTP hosts.
  registry::RegistryOptions registry;
  // Layers one pull downloads at once (dockerd's max-concurrent-downloads).
  int max_concurrent_downloads = 3;
  // Tries per layer blob on transient errors (dockerd's max-download-attempts),
  // waiting attempt × backoff between them (dockerd: 5 s).
  int download_attempts = 5;
  absl::Duration download_retry_backoff = absl::Seconds(5);
  // Push: blobs larger than this go up in PATCH chunks of this size; smaller
  // ones in one PUT. 0 = always monolithic.
  int64_t push_chunk_bytes = 16 * 1024 * 1024;
};

// An image as callers see it (mirrors berth.v1.Image).
struct Image {
  std::string id;
  std::vector<std::string> repo_tags;  // familiar form, sorted
  std::vector<std::string> repo_digests;  // "name@sha256:..." (pulled by, pushed as)
  absl::Time created = absl::UnixEpoch();
  int64_t size = 0;
  metadata::ImageConfig config;
  std::vector<std::string> diff_ids;
  std::string architecture;
  std::string os;
  std::string comment;
  std::string author;
  std::string parent;
};

struct ImportOptions {
  std::string repo;                  // "" leaves the image untagged
  std::string tag;                   // overrides a tag in repo
  std::string message;               // image comment; default "Imported from -"
  std::vector<std::string> changes;  // Dockerfile-like changes (see metadata/changes.h)
};

// A new image derived from a parent (the builder's steps, `docker commit`).
struct DerivedImageOptions {
  // Reference of the parent image; "" builds on nothing (FROM scratch).
  std::string parent;
  // The new image's runtime config (replaces the parent's as a whole).
  metadata::ImageConfig config;
  std::string created_by;  // the history entry ("/bin/sh -c make", "COPY file:... in /")
  std::string comment;     // the image's top-level comment ("" keeps none)
  std::string author;
  std::string tag;         // "" leaves the image untagged
};

// Where an import's bytes come from: Next() returns the next chunk, or
// std::nullopt at the end of the stream; an error aborts the import.
using ChunkReader = std::function<absl::StatusOr<std::optional<std::string>>()>;

// One line of Docker's JSON progress stream (id is a short layer id, a tag,
// or empty for a status line).
struct Progress {
  std::string id;
  std::string status;
  int64_t current = 0;
  int64_t total = 0;
};
using ProgressFn = std::function<void(const Progress&)>;

struct RegistryRequest {
  std::string reference;      // as the user typed it
  std::string registry_auth;  // Docker's X-Registry-Auth value; "" = anonymous
  ProgressFn progress;        // may be empty
  registry::CancelCheck cancelled;  // may be empty
};

struct RemoveResult {
  std::vector<std::string> untagged;  // familiar tags removed
  std::vector<std::string> deleted;   // image id, then deleted layer chain ids
};

// What `docker load` did: per image "busybox:latest" (a tag loaded) or the
// image id (an untagged image), and the layers read, for progress lines.
struct LoadResult {
  std::vector<std::string> tags;
  std::vector<std::string> untagged_ids;
  struct Layer {
    std::string diff_id;
    int64_t size = 0;  // bytes of the layer as stored in the archive
  };
  std::vector<Layer> layers;
};

// One line of `docker history` (newest first).
struct HistoryItem {
  std::string id;  // the image id this step produced, or "<missing>"
  absl::Time created = absl::UnixEpoch();
  std::string created_by;
  std::vector<std::string> tags;
  int64_t size = 0;  // the step's layer (0 for an empty layer)
  std::string comment;
};

// docker system df's image part (image_usage.cc).
struct LayerUsage {
  int64_t layers_size = 0;                     // every stored layer, each once
  std::map<std::string, int64_t> shared_size;  // image id → bytes of its layers others hold too
};

// `docker image prune` filters.
struct PruneOptions {
  bool all = false;  // dangling=false: every unused image, not just untagged ones
  std::optional<absl::Time> until;           // only images created before
  std::vector<std::string> labels;           // "key" or "key=value": must match
  std::vector<std::string> without_labels;   // label!=: must not match
};

struct PruneResult {
  std::vector<std::string> untagged;
  std::vector<std::string> deleted;  // image ids and layer chain ids
  int64_t space_reclaimed = 0;       // bytes of the layers and blobs removed
};

class ImageManager {
 public:
  // Opens (creating if needed) the state dir and runs Recover(): makes the
  // store dirs private (0700, also when they exist with wider modes), checks
  // the schema version (FailedPrecondition for another version), empties tmp/,
  // loads the stores and removes layers and blobs no image or snapshot uses.
  static absl::StatusOr<std::unique_ptr<ImageManager>> Create(ImageManagerOptions options);

  // `docker import`: reads a (possibly compressed) tar from `reader`, unpacks
  // it as one layer, writes the image config and tags it per `options`.
  // InvalidArgument for a bad reference, bad changes, a bad/hostile archive or
  // an unsupported compression; ResourceExhausted naming the limit when the
  // upload or what it expands to exceeds options.limits. In every error case
  // nothing new is left in the store.
  absl::StatusOr<Image> Import(const ImportOptions& options, const ChunkReader& reader);

  // Creates an image on top of `options.parent` (image_commit.cc). When
  // `reader` yields data, it is a layer tar (plain or compressed, Docker's
  // `.wh.` whiteouts allowed) stacked on the parent's layers; when it yields
  // nothing, the image only changes the config (no new layer, history
  // `empty_layer`). NotFound for an unknown parent, InvalidArgument for a bad
  // archive or tag; nothing is left behind on error.
  absl::StatusOr<Image> CreateImage(const DerivedImageOptions& options, const ChunkReader& reader);

  // Commits snapshot `key` (a stopped container's upper dir) as a new layer
  // on the image the snapshot was prepared from, with `options.config`
  // (`options.parent` must be empty or name that image). Deletions become
  // `.wh.` whiteouts and opaque directories `.wh..wh..opq`, as in Docker's
  // layers. NotFound for an unknown snapshot; the snapshot itself is kept.
  absl::StatusOr<Image> CommitSnapshot(const std::string& key, const DerivedImageOptions& options);

  // Writes a tar of `paths` as image `ref` shows them (its layers merged,
  // whiteouts applied): the builder's `COPY --from`. Holds the store's read
  // lock while it runs so the layers cannot go away. NotFound for an unknown
  // image or a missing path.
  absl::Status ExportPaths(const std::string& ref, const std::vector<std::string>& paths,
                           const layers::TarSink& sink) const;

  // `docker pull` (image_pull.cc): resolves the reference (default tag
  // latest) against the allow-list before any network access
  // (PermissionDenied naming the flag), fetches the manifest (an index picks
  // linux/amd64), the config and the layers, each layer unpacked while it
  // downloads and verified (blob digest, size, diff id: DataLoss when wrong).
  // Everything is staged in tmp/ and published under the lock in one step,
  // so a failed or cancelled pull leaves the store as it was. Pulling an
  // image already stored only (re)sets the tag ("Image is up to date").
  absl::StatusOr<Image> Pull(const RegistryRequest& request);

  // `docker push` (image_push.cc): uploads the layers the registry lacks, the
  // config and an OCI manifest under the reference's tag; returns the
  // manifest digest. NotFound for an unknown image; FailedPrecondition for a
  // layer whose original blob is not kept.
  absl::StatusOr<std::string> Push(const RegistryRequest& request);

  // `docker login`: checks `registry_auth` against the registry's /v2/
  // (Unauthenticated when refused). Stores nothing.
  absl::Status Login(const std::string& server, const std::string& registry_auth);

  // `docker save` (image_archive.cc): writes `refs` as one tar in both the
  // `docker save` layout (manifest.json, repositories) and the OCI image
  // layout (index.json, oci-layout, blobs/sha256/...), sharing the blobs.
  // A name without a tag saves every tag of that repository; an id, none.
  // NotFound for an unknown reference.
  absl::Status Save(const std::vector<std::string>& refs, const layers::TarSink& sink) const;

  // `docker load` (image_archive.cc): reads a tar in either layout (the
  // `docker save` manifest.json wins when both are present), verifies every
  // config and layer (digests, diff ids) and publishes all images in one step.
  // InvalidArgument for a malformed or hostile archive; nothing is stored then.
  absl::StatusOr<LoadResult> Load(const ChunkReader& reader);

  // `docker history` (image_history.cc), newest step first.
  absl::StatusOr<std::vector<HistoryItem>> History(const std::string& ref) const;

  // docker system df (image_usage.cc): layer bytes in all and shared per image.
  LayerUsage Usage() const;

  // `docker image prune` (image_prune.cc): removes unused images (no
  // snapshot, i.e. no container, uses them), then unreferenced layers and blobs.
  absl::StatusOr<PruneResult> Prune(const PruneOptions& options);

  // `docker search` (image_search.cc): repositories of the registry `term`
  // names ("127.0.0.1:5000/busy") from its /v2/_catalog whose path contains
  // the rest of the term; "host/repo" names, at most `limit` (0 = 25).
  absl::StatusOr<std::vector<std::string>> Search(const std::string& term, int limit,
                                                  const std::string& registry_auth);

  // All images, sorted by id. Without `all`, intermediate images (untagged
  // parents of another image: a build's steps) are left out, as `docker images` does.
  std::vector<Image> List(bool all = true) const;

  // Resolves "name[:tag]", "sha256:<hex>", a full hex id or a unique hex
  // prefix of an id (a tag wins over an id prefix, as in Docker).
  // NotFound "No such image: <ref>"; InvalidArgument for an ambiguous prefix.
  absl::StatusOr<Image> Inspect(const std::string& ref) const;

  // Points `target` ("name[:tag]", default tag latest) at the image `source`
  // resolves to. NotFound for an unknown source; InvalidArgument for a bad target.
  absl::Status Tag(const std::string& source, const std::string& target);

  // Docker's rmi. By tag: untags; the image is deleted when no tag is left.
  // By id: deletes the image and all its tags; FailedPrecondition if its tags
  // span several repositories, unless `force`. FailedPrecondition (Docker's
  // conflict text) when a snapshot uses the image, unless `force`; forced
  // removal keeps the layers the snapshot needs.
  absl::StatusOr<RemoveResult> Remove(const std::string& ref, bool force);

  // Creates snapshot `key` on top of the image `image_ref` resolves to and
  // returns the single overlay mount to apply. AlreadyExists for a used key,
  // NotFound "No such image: <ref>", InvalidArgument for a malformed key.
  absl::StatusOr<std::vector<snapshots::Mount>> PrepareSnapshot(const std::string& key,
                                                                const std::string& image_ref);

  // Removes a snapshot; unknown keys are OK. FailedPrecondition when busy.
  absl::Status RemoveSnapshot(const std::string& key);

  // Keys of all snapshots, sorted.
  std::vector<std::string> ListSnapshots() const;

  // A container's files on its snapshot (image_snapshot_files.cc), for
  // `docker cp`, `export` and `diff`. Callers serialize these with the
  // container's start (apid's per-container turn): a stopped container's
  // overlay is mounted privately for the call, and two mounts of one upper
  // dir at once are not allowed. NotFound for an unknown snapshot.
  //
  // `fn` runs with a directory fd for the snapshot's merged root (its overlay
  // mounted in a private mount namespace of one thread, gone afterwards).
  absl::Status WithSnapshotRoot(const std::string& key,
                                const std::function<absl::Status(int root_fd)>& fn);
  // The merged tree (layers + upper dir, whiteouts applied) as a tar; reads
  // the directories without mounting, so it also serves running containers.
  absl::Status ExportSnapshot(const std::string& key, const layers::TarSink& sink);
  // The upper dir's changes against the image (layers/snapshot_changes.h).
  absl::StatusOr<std::vector<layers::Change>> SnapshotChanges(const std::string& key);

  const Paths& paths() const { return paths_; }

  // Image events (import, pull, push, tag, untag, delete), persisted in the
  // state dir's events.jsonl.
  events::EventLog& events() { return events_; }

 private:
  explicit ImageManager(ImageManagerOptions options);

  absl::Status Recover();
  absl::Status CheckSchemaVersion();
  absl::Status CollectGarbage() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Time Now() const;
  void UpdateGauges() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Resolves to an image id; NotFound "No such image: <ref>".
  absl::StatusOr<std::string> ResolveLocked(const std::string& ref) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  Image ToImage(const metadata::ImageRecord& record) const ABSL_SHARED_LOCKS_REQUIRED(mu_);

  // Import helpers (image_import.cc).
  absl::StatusOr<Image> ImportUnlocked(const ImportOptions& options, const ChunkReader& reader);
  absl::StatusOr<Image> PublishImport(const layers::StagedLayer& staged,
                                      const layers::LayerRecord& layer,
                                      content::BlobWriter& blob, const metadata::OciImage& config,
                                      const std::string& tag);

  // Commit helpers (image_commit.cc). `layer` is null for a config-only image.
  struct NewLayer {
    layers::StagedLayer staged;
    layers::UnpackResult unpacked;
    content::BlobWriter* blob = nullptr;
  };
  absl::StatusOr<NewLayer> StageLayerBlob(content::BlobWriter& blob);
  absl::StatusOr<Image> PublishDerived(const DerivedImageOptions& options,
                                       const std::string& parent_id, const NewLayer* layer);

  // A layer received (pulled, loaded) and unpacked in tmp/, not yet published.
  struct ReceivedLayer {
    std::unique_ptr<content::BlobWriter> blob;
    layers::StagedLayer staged;
    layers::LayerRecord record;
  };
  // An image whose config is verified and whose layers are stored or staged.
  struct StagedImage {
    std::string id;
    std::string config_bytes;
    metadata::OciImage config;
    std::vector<std::string> chain_ids;
    std::vector<std::string> tags;  // familiar tags to set
    std::string repo_digest;        // "name@sha256:..." or ""
  };
  using BlobSink = std::function<absl::Status(const char* data, size_t size)>;
  // Receives layer `index` of `config`: `produce` feeds the blob's bytes to
  // its sink; they are stored (hashed) and unpacked with overlay whiteouts in
  // one pass. DataLoss when the blob's digest is not `expected_digest` (if
  // given) or it unpacks to another diff id than the config's.
  absl::StatusOr<ReceivedLayer> ReceiveLayer(const std::function<absl::Status(const BlobSink&)>& produce,
                                             const std::string& expected_digest,
                                             const std::string& diff_id,
                                             const std::string& chain_id,
                                             const std::string& parent_chain_id);
  // Publishes staged images in one locked step: config blobs, the layers not
  // stored yet, the records, the tags. On error, GCs what it published.
  absl::Status PublishStaged(const std::vector<StagedImage>& images,
                             std::vector<ReceivedLayer>& received);
  // Chain ids of `diff_ids`, and which of them are stored.
  std::vector<std::string> ChainIds(const std::vector<std::string>& diff_ids) const;
  bool HasLayer(const std::string& chain_id) const;

  // Pull and push helpers (image_pull.cc, image_push.cc). PullLayer receives
  // layer `index` with retries on transient errors.
  absl::StatusOr<ReceivedLayer> PullLayer(registry::RegistryClient& client,
                                          const RegistryRequest& request,
                                          const registry::Descriptor& layer,
                                          const std::string& diff_id,
                                          const std::vector<std::string>& chain_ids, size_t index,
                                          const registry::CancelCheck& stop);
  absl::StatusOr<Image> PullUnlocked(const RegistryRequest& request);

  // Layer downloads in flight across pulls, by chain id. A pull claims the
  // missing layers nobody is receiving and waits for the others; it releases
  // (notifies) its claims after its publish or failure. Claims are taken in
  // one step per pull, so a pull waits only for pulls that claimed before it
  // (no cycle).
  struct LayerClaims {
    std::vector<std::string> owned;
    // Parallel to the chain ids asked for: the other pull's notification, or
    // null when this pull owns (downloads) the layer.
    std::vector<std::shared_ptr<absl::Notification>> waiting;
  };
  LayerClaims ClaimLayerDownloads(const std::vector<std::string>& chain_ids);
  void ReleaseLayerDownloads(const LayerClaims& claims);
  absl::StatusOr<std::string> PushUnlocked(const RegistryRequest& request);
  // A snapshot's directories: upper, work and the layers' diff dirs top first.
  struct SnapshotDirs {
    std::string upper;
    std::string work;
    std::vector<std::string> lowers;
  };
  absl::StatusOr<SnapshotDirs> SnapshotDirsOf(const std::string& key) const;

  // Records an image event: `id` is the actor, `name` its "name" attribute.
  void Emit(const std::string& action, const std::string& id, const std::string& name);

  // Removal helpers (image_remove.cc).
  absl::Status CheckNotInUse(const std::string& id, const std::string& ref, bool by_tag) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  absl::Status DeleteImageLocked(const std::string& id, RemoveResult& result)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<RemoveResult> RemoveUnlocked(const std::string& ref, bool force);

  ImageManagerOptions options_;
  Paths paths_;
  content::ContentStore content_;

  mutable absl::Mutex mu_;
  layers::LayerStore layers_ ABSL_GUARDED_BY(mu_);
  metadata::ImageStore images_ ABSL_GUARDED_BY(mu_);
  snapshots::SnapshotStore snapshots_ ABSL_GUARDED_BY(mu_);
  events::EventLog events_;

  absl::Mutex downloads_mu_;
  std::map<std::string, std::shared_ptr<absl::Notification>> downloads_
      ABSL_GUARDED_BY(downloads_mu_);
};

}  // namespace berth::imaged
