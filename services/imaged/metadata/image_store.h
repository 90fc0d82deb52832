#pragma once

// Image records and tags, persisted as small JSON files written atomically:
// images/<hex>.json (one per image) and repositories.json (all tags). The
// image config itself is a blob in the content store; the record says which
// layers (chain ids) the image uses and caches the parsed config.
//
// Not thread-safe: the owner (ImageManager) serializes calls.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/imaged/metadata/image_config.h"
#include "services/imaged/paths.h"

namespace berth::imaged::metadata {

struct ImageRecord {
  std::string id;                   // "sha256:<hex>" = digest of the config blob
  std::vector<std::string> layers;  // chain ids, bottom first
  int64_t size = 0;                 // unpacked bytes of all layers
  std::string parent;               // the image this one was committed on ("" if none)
  // "name@sha256:..." of manifests this image was pulled by or pushed as.
  std::vector<std::string> repo_digests;
  OciImage config;                  // parsed config blob (not persisted in the record)
};

class ImageStore {
 public:
  // `paths` must outlive the store.
  explicit ImageStore(const Paths& paths) : paths_(paths) {}

  // Loads the records and tags. Records are loaded through `load_config`
  // (returns the parsed config for an id); a record whose config cannot be
  // loaded is dropped with a warning, and so are tags of unknown images.
  using ConfigLoader = std::function<absl::StatusOr<OciImage>(const std::string& id)>;
  absl::Status Recover(const ConfigLoader& load_config);

  // Writes (or rewrites) a record.
  absl::Status Put(const ImageRecord& record);
  // Deletes a record and every tag pointing at it. Unknown ids are OK.
  absl::Status Delete(const std::string& id);
  // nullptr when unknown.
  const ImageRecord* Get(const std::string& id) const;
  std::vector<const ImageRecord*> List() const;

  // Finds the unique image whose id hex starts with `hex_prefix`. NotFound if
  // none, InvalidArgument if several match.
  absl::StatusOr<std::string> ResolvePrefix(const std::string& hex_prefix) const;

  // Tags are familiar reference strings ("busybox:latest").
  // The image id a tag points at, or "" when the tag is unknown.
  std::string LookupTag(const std::string& tag) const;
  // Points `tag` at `id` (moving it from another image if needed).
  absl::Status SetTag(const std::string& tag, const std::string& id);
  // Removes a tag. Unknown tags are OK.
  absl::Status RemoveTag(const std::string& tag);
  // Tags of `id`, sorted.
  std::vector<std::string> TagsOf(const std::string& id) const;

 private:
  absl::Status SaveTags() const;
  absl::Status LoadTags();

  const Paths& paths_;
  std::map<std::string, ImageRecord> images_;  // by id
  std::map<std::string, std::string> tags_;    // tag -> id
};

}  // namespace berth::imaged::metadata
