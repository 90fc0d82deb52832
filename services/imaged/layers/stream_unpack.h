#pragma once

// One pass over a layer stream: the caller hands over bytes as they arrive
// (from a registry, an upload, a file) and UnpackLayerFromFd, in its own
// thread, reads them through a socket pair. Pull and load use it so that a
// layer is hashed, stored and unpacked without a second read.

#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "common/fs/fs.h"
#include "services/imaged/layers/unpack.h"

namespace berth::imaged::layers {

class StreamingUnpacker {
 public:
  // Starts unpacking into `dest` (which must exist and be empty).
  static absl::StatusOr<std::unique_ptr<StreamingUnpacker>> Start(const std::string& dest,
                                                                   const UnpackOptions& options);
  ~StreamingUnpacker();
  StreamingUnpacker(const StreamingUnpacker&) = delete;
  StreamingUnpacker& operator=(const StreamingUnpacker&) = delete;

  // Passes bytes on. Returns false (and drops the bytes) once the unpacker
  // stopped reading: it failed, and Finish() says why. The caller may keep
  // feeding (e.g. to finish hashing the stream for a better error).
  bool Feed(const char* data, size_t size);

  // Signals the end of the stream and waits for the unpacker's verdict.
  // Call once.
  absl::StatusOr<UnpackResult> Finish();

 private:
  StreamingUnpacker() = default;

  fs::ScopedFd feed_;
  bool gone_ = false;
  std::thread thread_;
  absl::StatusOr<UnpackResult> result_ = absl::InternalError("unpacker did not run");
};

}  // namespace berth::imaged::layers
