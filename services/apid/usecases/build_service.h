#pragma once

// The builder (design.md "Build"): runs a parsed Dockerfile the way dockerd's
// classic builder does. Each step yields an image: metadata instructions a
// config-only image (imaged.CreateImage without a layer), COPY/ADD a layer
// built from the context (no container), RUN a step container created,
// started and waited through ContainerService, committed by imaged
// (CommitSnapshot) and removed again, also when it fails. A step whose cache
// key (builder/build_cache.h) is known reuses its image: "Using cache".
//
// Faces (REST POST /build, gRPC Build, `berth build`) translate; the output
// is a sequence of BuildEvents shaped like Docker's JSON build stream.

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "berth/v1/types.pb.h"
#include "services/apid/metrics.h"
#include "services/apid/builder/build_cache.h"
#include "services/apid/builder/build_context.h"
#include "services/apid/builder/dockerfile/instructions.h"
#include "services/apid/clients/clients.h"
#include "services/apid/usecases/container_service.h"

namespace berth::apid {

// Docker's build query parameters (API 1.41), as the faces pass them.
struct BuildOptions {
  std::string dockerfile = "Dockerfile";  // path in the context
  std::vector<std::string> tags;
  std::map<std::string, std::string> build_args;
  std::map<std::string, std::string> labels;
  std::string target;
  bool no_cache = false;
  bool quiet = false;         // only the image id on the stream
  bool pull = false;          // always pull FROM images
  bool remove = true;         // remove step containers after a successful step
  std::string network_mode;   // RUN containers' network; "" = bridge
};

// One line of the build stream: {"stream":...}, {"aux":{"ID":...}} or an error.
struct BuildEvent {
  enum class Kind { kStream, kAux, kError };
  Kind kind = Kind::kStream;
  std::string text;    // stream text, the image id (aux), or the error message
  int exit_code = 0;   // kError: the failing RUN's code (Docker's errorDetail.code), else 1
};

// Receives events in order; may be called from the build's thread only.
using BuildSink = std::function<void(const BuildEvent&)>;

// A build ready to run: the context read, the Dockerfile parsed and checked.
struct PreparedBuild {
  builder::BuildContext context;
  builder::dockerfile::Dockerfile dockerfile;
  BuildOptions options;
};

class BuildService {
 public:
  // `metrics` may be null (tests).
  BuildService(ImagedClient& imaged, ContainerService& containers, builder::BuildCache& cache,
               ApidMetrics* metrics = nullptr)
      : imaged_(imaged), containers_(containers), cache_(cache), metrics_(metrics) {}

  // Reads the context tar (plain or compressed), finds and parses the
  // Dockerfile, applies .dockerignore, checks --target. InvalidArgument with
  // Docker's text ("dockerfile parse error on line 3: unknown instruction:
  // FOO", "failed to reach build target x in Dockerfile"); NotFound when the
  // Dockerfile is missing. Nothing has run yet: faces answer with a plain error.
  absl::StatusOr<PreparedBuild> Prepare(const std::string& context_tar,
                                        const BuildOptions& options) const;

  // Runs the build, emitting the stream; the last event is the aux id or the
  // error. Returns the image id or the error (with the RUN's exit code in the
  // emitted event). Step containers are removed in every case.
  class Run;
  absl::StatusOr<std::string> Execute(PreparedBuild& build, const BuildSink& sink,
                                      const std::atomic<bool>* cancelled = nullptr);

 private:
  ImagedClient& imaged_;
  ContainerService& containers_;
  builder::BuildCache& cache_;
  ApidMetrics* metrics_;
};

// Docker's default build-time proxies: usable with --build-arg without an ARG
// and kept out of the cache key and the image history.
bool IsPredefinedBuildArg(const std::string& name);

}  // namespace berth::apid
