#pragma once

// The state of one build while it runs (build_service.cc: stages and FROM;
// build_steps.cc: the instructions). Private to the builder.

#include <set>

#include "services/apid/builder/copy_layer.h"
#include "services/apid/builder/dockerfile/shell_lex.h"
#include "services/apid/usecases/build_service.h"

namespace berth::apid {

// The config's bytes with map entries in a fixed order, for cache keys
// (protobuf's default serialization orders map entries arbitrarily).
std::string CanonicalConfig(const v1::ImageConfig& config);

class BuildService::Run {
 public:
  Run(BuildService& service, PreparedBuild& build, const BuildSink& sink,
      const std::atomic<bool>* cancelled)
      : imaged_(service.imaged_),
        containers_(service.containers_),
        cache_(service.cache_),
        build_(build),
        sink_(sink),
        cancelled_(cancelled),
        lex_(build.dockerfile.escape) {}

  // Runs every stage up to the target; returns the final image id.
  absl::StatusOr<std::string> Execute();

  // The failing RUN's exit code (1 for other failures).
  int exit_code() const { return exit_code_; }
  // Steps begun, and those of them served by the layer cache.
  int steps() const { return step_; }
  int cached_steps() const { return cached_; }

 private:
  struct Stage {
    std::string name;
    std::string image_id;  // "" while on scratch with nothing committed
    v1::ImageConfig config;
    std::map<std::string, std::string> args;  // ARGs declared in this stage with a value
    std::string author;
    bool cmd_set = false;
  };

  // build_service.cc
  absl::Status RunStage(size_t index);
  absl::Status From(const builder::dockerfile::Instruction& from, Stage& stage);
  absl::StatusOr<v1::Image> ResolveBaseImage(const std::string& ref);
  absl::Status Finish(Stage& last, std::string& image_id);
  void Stream(const std::string& text);
  bool Cancelled() const { return cancelled_ != nullptr && cancelled_->load(); }

  // build_steps.cc
  absl::Status Dispatch(const builder::dockerfile::Instruction& ins, Stage& stage);
  absl::Status ApplyMetadata(const builder::dockerfile::Instruction& ins, Stage& stage);
  absl::Status RunCommand(const builder::dockerfile::Instruction& ins, Stage& stage);
  absl::Status Copy(const builder::dockerfile::Instruction& ins, Stage& stage);
  // COPY --from: the sources read from a finished stage or an image.
  absl::StatusOr<builder::CopyLayer> CopyFromImage(const std::string& from,
                                                   const builder::CopyRequest& request);
  absl::Status DeclareArgs(const builder::dockerfile::Instruction& ins, Stage& stage);
  // Reuses the cached image of `key` (prints "Using cache"); false on a miss.
  bool UseCache(const std::string& key, Stage& stage);
  // Records a step's image in the cache and the stage; prints " ---> <id>".
  absl::Status Advance(const std::string& key, const v1::Image& image, Stage& stage);
  // A config-only image of the stage's current config.
  absl::StatusOr<v1::Image> CommitConfig(Stage& stage, const std::string& created_by);
  // A layer tar stacked on the stage's image.
  absl::StatusOr<v1::Image> CommitLayer(Stage& stage, const std::string& created_by,
                                        const std::string& tar);
  // The variables instructions expand against: the stage's ARGs, then its ENV.
  builder::dockerfile::Environment Env(const Stage& stage) const;
  // The environment of a RUN container: ENV plus the build args in use.
  std::vector<std::string> RunEnv(const Stage& stage) const;

  ImagedClient& imaged_;
  ContainerService& containers_;
  builder::BuildCache& cache_;
  PreparedBuild& build_;
  const BuildSink& sink_;
  const std::atomic<bool>* cancelled_;
  builder::dockerfile::ShellLex lex_;

  std::vector<Stage> stages_;                 // finished stages, by index
  std::map<std::string, std::string> meta_;   // global ARGs with values
  std::set<std::string> used_args_;           // --build-arg names something consumed
  int step_ = 0;
  int cached_ = 0;
  int total_ = 0;
  int exit_code_ = 1;
};

}  // namespace berth::apid
