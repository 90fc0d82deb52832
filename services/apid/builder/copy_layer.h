#pragma once

// COPY and ADD without a container: the files to add become a layer tar built
// here from the context (or, for ADD, from a local archive in the context),
// and imaged stacks it on the current image (ImageService.CreateImage).

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/apid/builder/build_context.h"

namespace berth::apid::builder {

struct CopyRequest {
  std::vector<std::string> sources;  // expanded words, relative to the context
  std::string dest;                  // expanded; relative to `workdir` unless absolute
  std::string workdir = "/";
  std::string chown;                 // "uid[:gid]" (numeric, or root); "" keeps 0:0
  std::string chmod;                 // octal; "" keeps the source modes
  bool add = false;                  // ADD: local archives are extracted
  std::string instruction = "COPY";  // for messages
};

struct CopyLayer {
  std::string tar;           // the layer, uncompressed
  std::string content_hash;  // "sha256:..." over what is copied (not mtimes): the cache key part
  std::string description;   // Docker's history text, e.g. "file:<hash> in /app/"
};

// Builds the layer. InvalidArgument / NotFound with Docker's texts: no
// source matched, several sources into a non-directory, a remote URL in ADD
// (downloads are refused), a bad --chown / --chmod.
absl::StatusOr<CopyLayer> BuildCopyLayer(const BuildContext& context, const CopyRequest& request);

// "1000", "1000:50", "root", "0:root" → uid/gid. InvalidArgument for user
// names other than root (they would need the image's /etc/passwd).
absl::StatusOr<std::pair<uint32_t, uint32_t>> ParseChown(const std::string& chown);

}  // namespace berth::apid::builder
