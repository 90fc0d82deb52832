#pragma once

// Reads files out of an image without mounting it: the merged view of its
// layer directories (top first), as overlay would show it. Whiteouts (0:0
// character devices) hide what is below, opaque directories hide lower
// layers' contents. Used by the builder's `COPY --from`.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/imaged/layers/diff_writer.h"

namespace berth::imaged::layers {

// Writes a tar (paths relative to the image root) holding each of `paths`
// (absolute or relative to the root; a directory with everything below it)
// as the image shows them. `layer_dirs_top_first` are the layers' diff dirs.
// NotFound naming the first path that does not exist in the image.
absl::Status ExportMergedPaths(const std::vector<std::string>& layer_dirs_top_first,
                               const std::vector<std::string>& paths, const TarSink& sink);

}  // namespace berth::imaged::layers
