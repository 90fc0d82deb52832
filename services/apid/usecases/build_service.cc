#include "services/apid/usecases/build_service.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/status/status.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "services/apid/usecases/build_run.h"
#include "spdlog/spdlog.h"

namespace berth::apid {
namespace {

using builder::dockerfile::Instruction;

std::string ShortId(const std::string& id) {
  std::string hex = absl::StartsWith(id, "sha256:") ? id.substr(7) : id;
  return hex.substr(0, 12);
}

// The stage `target` names (by AS name), or the last one.
absl::StatusOr<size_t> TargetIndex(const builder::dockerfile::Dockerfile& df,
                                   const std::string& target) {
  if (target.empty()) return df.stages.size() - 1;
  std::string wanted = absl::AsciiStrToLower(target);
  for (size_t i = 0; i < df.stages.size(); ++i) {
    if (df.stages[i].name == wanted) return i;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("failed to reach build target ", target, " in Dockerfile"));
}

}  // namespace

std::string CanonicalConfig(const v1::ImageConfig& config) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    config.SerializeToCodedStream(&coded);
  }
  return out;
}

bool IsPredefinedBuildArg(const std::string& name) {
  static const char* kNames[] = {"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy",
                                 "FTP_PROXY",  "ftp_proxy",  "NO_PROXY",    "no_proxy",
                                 "ALL_PROXY",  "all_proxy"};
  for (const char* n : kNames) {
    if (name == n) return true;
  }
  return false;
}

absl::StatusOr<PreparedBuild> BuildService::Prepare(const std::string& context_tar,
                                                    const BuildOptions& options) const {
  PreparedBuild build;
  build.options = options;
  if (build.options.dockerfile.empty()) build.options.dockerfile = "Dockerfile";
  BERTH_ASSIGN_OR_RETURN(build.context, builder::BuildContext::FromTar(context_tar));
  BERTH_ASSIGN_OR_RETURN(std::string text, build.context.ReadFile(build.options.dockerfile));
  BERTH_ASSIGN_OR_RETURN(build.dockerfile, builder::dockerfile::ParseDockerfile(text));
  BERTH_RETURN_IF_ERROR(TargetIndex(build.dockerfile, options.target).status());
  BERTH_RETURN_IF_ERROR(build.context.ApplyDockerIgnore());
  return build;
}

absl::StatusOr<std::string> BuildService::Execute(PreparedBuild& build, const BuildSink& sink,
                                                  const std::atomic<bool>* cancelled) {
  Run run(*this, build, sink, cancelled);
  const absl::Time start = absl::Now();
  absl::StatusOr<std::string> id = run.Execute();
  if (metrics_ != nullptr) {
    metrics_->RecordBuild(id.ok(), absl::ToDoubleSeconds(absl::Now() - start),
                          run.steps() - run.cached_steps(), run.cached_steps());
  }
  if (!id.ok()) {
    std::string message(id.status().message());
    if (message.empty()) message = id.status().ToString();
    spdlog::warn("build failed: {}", message);
    sink({BuildEvent::Kind::kError, message, run.exit_code()});
  }
  return id;
}

void BuildService::Run::Stream(const std::string& text) {
  if (!build_.options.quiet) sink_({BuildEvent::Kind::kStream, text, 0});
}

absl::StatusOr<std::string> BuildService::Run::Execute() {
  const builder::dockerfile::Dockerfile& df = build_.dockerfile;
  BERTH_ASSIGN_OR_RETURN(size_t target, TargetIndex(df, build_.options.target));
  for (size_t i = 0; i <= target; ++i) total_ += 1 + static_cast<int>(df.stages[i].commands.size());
  for (const auto& kv : df.meta_args) {
    auto given = build_.options.build_args.find(kv.key);
    if (given != build_.options.build_args.end()) {
      meta_[kv.key] = given->second;
      used_args_.insert(kv.key);
    } else if (kv.has_value) {
      BERTH_ASSIGN_OR_RETURN(meta_[kv.key], lex_.ProcessWord(kv.value, meta_));
    }
  }
  for (size_t i = 0; i <= target; ++i) {
    BERTH_RETURN_IF_ERROR(RunStage(i));
  }
  std::string image_id;
  BERTH_RETURN_IF_ERROR(Finish(stages_.back(), image_id));
  return image_id;
}

absl::Status BuildService::Run::RunStage(size_t index) {
  const builder::dockerfile::Stage& spec = build_.dockerfile.stages[index];
  Stage stage;
  stage.name = spec.name;
  BERTH_RETURN_IF_ERROR(From(spec.from, stage));
  for (const Instruction& ins : spec.commands) {
    if (Cancelled()) return absl::CancelledError("Build cancelled");
    ++step_;
    Stream(absl::StrCat("Step ", step_, "/", total_, " : ", ins.original, "\n"));
    BERTH_RETURN_IF_ERROR(Dispatch(ins, stage));
  }
  stages_.push_back(std::move(stage));
  return absl::OkStatus();
}

absl::StatusOr<v1::Image> BuildService::Run::ResolveBaseImage(const std::string& ref) {
  absl::StatusOr<v1::Image> image = imaged_.InspectImage(ref);
  if (image.ok() && !build_.options.pull) return image;
  if (!image.ok() && !absl::IsNotFound(image.status())) return image.status();
  // Missing (or --pull): pull it, as dockerd's builder does.
  v1::PullImageRequest request;
  request.set_reference(ref);
  std::unique_ptr<ProgressStream> pull = imaged_.PullImage(request, nullptr);
  if (pull == nullptr) return image.status();
  v1::ProgressMessage message;
  while (pull->Read(&message)) {
    if (!message.status().empty() && message.id().empty()) Stream(message.status() + "\n");
  }
  absl::Status pulled = pull->Finish();
  if (!pulled.ok()) {
    if (image.ok()) return image;  // --pull with the image present: keep the local one
    return absl::NotFoundError(absl::StrCat("pull access denied for ", ref, ": ",
                                            pulled.message()));
  }
  return imaged_.InspectImage(ref);
}

absl::Status BuildService::Run::From(const Instruction& from, Stage& stage) {
  ++step_;
  Stream(absl::StrCat("Step ", step_, "/", total_, " : ", from.original, "\n"));
  BERTH_ASSIGN_OR_RETURN(std::string ref, lex_.ProcessWord(from.image, meta_));
  if (ref.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("base name (", from.image,
                                                   ") should not be blank"));
  }
  // An earlier stage by name or index, scratch, or an image.
  std::string lower = absl::AsciiStrToLower(ref);
  for (size_t i = 0; i < stages_.size(); ++i) {
    if ((!stages_[i].name.empty() && stages_[i].name == lower) || ref == std::to_string(i)) {
      stage.image_id = stages_[i].image_id;
      stage.config = stages_[i].config;
      Stream(absl::StrCat(" ---> ", ShortId(stage.image_id), "\n"));
      return absl::OkStatus();
    }
  }
  if (lower == "scratch") {
    Stream(" ---> \n");
    return absl::OkStatus();
  }
  BERTH_ASSIGN_OR_RETURN(v1::Image base, ResolveBaseImage(ref));
  stage.image_id = base.id();
  stage.config = base.config();
  Stream(absl::StrCat(" ---> ", ShortId(stage.image_id), "\n"));
  // ONBUILD triggers of the base run now, then are cleared (Docker).
  std::vector<std::string> triggers(base.config().on_build().begin(),
                                    base.config().on_build().end());
  stage.config.clear_on_build();
  if (!triggers.empty()) {
    Stream(absl::StrCat("# Executing ", triggers.size(), " build trigger",
                        triggers.size() == 1 ? "" : "s", "\n"));
  }
  for (const std::string& trigger : triggers) {
    auto parsed = builder::dockerfile::Parse(trigger);
    if (!parsed.ok()) return parsed.status();
    BERTH_ASSIGN_OR_RETURN(Instruction ins, builder::dockerfile::ParseInstruction(
                                                parsed->nodes.at(0), build_.dockerfile.escape));
    BERTH_RETURN_IF_ERROR(Dispatch(ins, stage));
  }
  return absl::OkStatus();
}

absl::Status BuildService::Run::Finish(Stage& last, std::string& image_id) {
  if (!build_.options.labels.empty()) {
    for (const auto& [k, v] : build_.options.labels) (*last.config.mutable_labels())[k] = v;
    std::string created_by = absl::StrCat(
        "/bin/sh -c #(nop)  LABEL ",
        absl::StrJoin(build_.options.labels, " ", absl::PairFormatter("=")));
    std::string key = builder::CacheKey({last.image_id, created_by, CanonicalConfig(last.config)});
    if (build_.options.no_cache || !UseCache(key, last)) {
      BERTH_ASSIGN_OR_RETURN(v1::Image image, CommitConfig(last, created_by));
      BERTH_RETURN_IF_ERROR(Advance(key, image, last));
    }
  }
  if (last.image_id.empty()) {
    return absl::InvalidArgumentError("No image was generated. Is your Dockerfile empty?");
  }
  image_id = last.image_id;
  std::vector<std::string> unused;
  for (const auto& [name, value] : build_.options.build_args) {
    if (used_args_.count(name) == 0 && !IsPredefinedBuildArg(name)) unused.push_back(name);
  }
  if (!unused.empty()) {
    Stream(absl::StrCat("[Warning] One or more build-args [", absl::StrJoin(unused, " "),
                        "] were not consumed\n"));
  }
  sink_({BuildEvent::Kind::kAux, image_id, 0});
  if (build_.options.quiet) {
    sink_({BuildEvent::Kind::kStream, image_id + "\n", 0});
  }
  Stream(absl::StrCat("Successfully built ", ShortId(image_id), "\n"));
  for (const std::string& tag : build_.options.tags) {
    BERTH_RETURN_IF_ERROR(imaged_.TagImage(image_id, tag));
    size_t colon = tag.rfind(':');
    size_t slash = tag.rfind('/');
    bool has_tag = colon != std::string::npos && (slash == std::string::npos || colon > slash);
    std::string shown = has_tag ? tag : tag + ":latest";
    Stream(absl::StrCat("Successfully tagged ", shown, "\n"));
  }
  spdlog::info("image={} built ({} steps)", image_id, step_);
  return absl::OkStatus();
}

}  // namespace berth::apid
