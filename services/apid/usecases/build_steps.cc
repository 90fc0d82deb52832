// The instructions of a build stage (see build_service.h for the model).
#include "absl/cleanup/cleanup.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status/status.h"
#include "services/apid/builder/copy_layer.h"
#include "services/apid/builder/dockerfile/dockerignore.h"
#include "services/apid/usecases/build_run.h"
#include "services/apid/usecases/config_instructions.h"
#include "spdlog/spdlog.h"

namespace berth::apid {
namespace {

using builder::dockerfile::Instruction;
using builder::dockerfile::Kind;

constexpr size_t kChunk = 256 * 1024;

std::string ShortId(const std::string& id) {
  std::string hex = absl::StartsWith(id, "sha256:") ? id.substr(7) : id;
  return hex.substr(0, 12);
}

}  // namespace

builder::dockerfile::Environment BuildService::Run::Env(const Stage& stage) const {
  builder::dockerfile::Environment env = stage.args;
  for (const std::string& e : stage.config.env()) {
    size_t eq = e.find('=');
    if (eq != std::string::npos) env[e.substr(0, eq)] = e.substr(eq + 1);
  }
  return env;
}

std::vector<std::string> BuildService::Run::RunEnv(const Stage& stage) const {
  // ENV wins over an ARG of the same name; build args come first, as in Docker.
  std::vector<std::string> env;
  builder::dockerfile::Environment from_env = Env(stage);
  for (const auto& [k, v] : stage.args) {
    bool shadowed = false;
    for (const std::string& e : stage.config.env()) shadowed |= absl::StartsWith(e, k + "=");
    if (!shadowed) env.push_back(absl::StrCat(k, "=", v));
  }
  for (const auto& [k, v] : build_.options.build_args) {
    if (IsPredefinedBuildArg(k) && stage.args.count(k) == 0) env.push_back(absl::StrCat(k, "=", v));
  }
  env.insert(env.end(), stage.config.env().begin(), stage.config.env().end());
  return env;
}

bool BuildService::Run::UseCache(const std::string& key, Stage& stage) {
  if (build_.options.no_cache) return false;
  std::string cached = cache_.Lookup(key);
  if (cached.empty()) return false;
  absl::StatusOr<v1::Image> image = imaged_.InspectImage(cached);
  if (!image.ok()) {
    cache_.Forget(key);
    return false;
  }
  stage.image_id = image->id();
  stage.config = image->config();
  Stream(absl::StrCat(" ---> Using cache\n ---> ", ShortId(stage.image_id), "\n"));
  ++cached_;
  return true;
}

absl::Status BuildService::Run::Advance(const std::string& key, const v1::Image& image,
                                        Stage& stage) {
  stage.image_id = image.id();
  stage.config = image.config();
  absl::Status cached = cache_.Put(key, image.id());
  if (!cached.ok()) spdlog::warn("build cache: {}", cached.ToString());
  Stream(absl::StrCat(" ---> ", ShortId(image.id()), "\n"));
  return absl::OkStatus();
}

absl::StatusOr<v1::Image> BuildService::Run::CommitConfig(Stage& stage,
                                                          const std::string& created_by) {
  return CommitLayer(stage, created_by, "");
}

absl::StatusOr<v1::Image> BuildService::Run::CommitLayer(Stage& stage,
                                                         const std::string& created_by,
                                                         const std::string& tar) {
  std::unique_ptr<CreateImageStream> stream = imaged_.CreateImage(nullptr);
  if (stream == nullptr) return absl::UnavailableError("imaged does not create images");
  v1::CreateImageRequest first;
  v1::DerivedImageOptions* options = first.mutable_options();
  options->set_parent(stage.image_id);
  *options->mutable_config() = stage.config;
  options->set_created_by(created_by);
  options->set_author(stage.author);
  bool open = stream->Write(first);
  for (size_t offset = 0; open && offset < tar.size(); offset += kChunk) {
    v1::CreateImageRequest chunk;
    chunk.set_chunk(tar.substr(offset, kChunk));
    open = stream->Write(chunk);
  }
  BERTH_ASSIGN_OR_RETURN(v1::CreateImageResponse response, stream->Finish());
  return response.image();
}

absl::Status BuildService::Run::Dispatch(const Instruction& ins, Stage& stage) {
  switch (ins.kind) {
    case Kind::kRun:
      return RunCommand(ins, stage);
    case Kind::kCopy:
    case Kind::kAdd:
      return Copy(ins, stage);
    case Kind::kFrom:
      return absl::InternalError("FROM inside a stage");
    default:
      return ApplyMetadata(ins, stage);
  }
}

absl::Status BuildService::Run::DeclareArgs(const Instruction& ins, Stage& stage) {
  for (const auto& kv : ins.pairs) {
    auto given = build_.options.build_args.find(kv.key);
    if (given != build_.options.build_args.end()) {
      stage.args[kv.key] = given->second;
      used_args_.insert(kv.key);
    } else if (kv.has_value) {
      BERTH_ASSIGN_OR_RETURN(stage.args[kv.key], lex_.ProcessWord(kv.value, Env(stage)));
    } else if (auto meta = meta_.find(kv.key); meta != meta_.end()) {
      stage.args[kv.key] = meta->second;  // a global ARG brought into the stage
    }
  }
  return absl::OkStatus();
}

absl::Status BuildService::Run::ApplyMetadata(const Instruction& ins, Stage& stage) {
  builder::dockerfile::Environment env = Env(stage);
  v1::ImageConfig& c = stage.config;
  switch (ins.kind) {
    case Kind::kArg:
      BERTH_RETURN_IF_ERROR(DeclareArgs(ins, stage));
      break;
    case Kind::kMaintainer:
      stage.author = ins.value;
      break;
    default:
      BERTH_RETURN_IF_ERROR(ApplyConfigInstruction(ins, lex_, env, c, stage.cmd_set));
  }
  std::string created_by = absl::StrCat("/bin/sh -c #(nop)  ", ins.original);
  // The resulting config (variables expanded) is part of the key, so an ENV
  // whose value comes from a changed --build-arg misses.
  std::string key = builder::CacheKey(
      {stage.image_id, created_by, CanonicalConfig(c), stage.author});
  v1::ImageConfig wanted = c;
  if (UseCache(key, stage)) {
    stage.config = wanted;  // identical by construction; keeps fields imaged does not echo
    return absl::OkStatus();
  }
  BERTH_ASSIGN_OR_RETURN(v1::Image image, CommitConfig(stage, created_by));
  BERTH_RETURN_IF_ERROR(Advance(key, image, stage));
  stage.config = wanted;
  return absl::OkStatus();
}

absl::Status BuildService::Run::Copy(const Instruction& ins, Stage& stage) {
  builder::dockerfile::Environment env = Env(stage);
  builder::CopyRequest request;
  request.add = ins.kind == Kind::kAdd;
  request.instruction = request.add ? "ADD" : "COPY";
  request.workdir = stage.config.working_dir().empty() ? "/" : stage.config.working_dir();
  for (const std::string& source : ins.words) {
    if (ins.sources_exec_form) {
      BERTH_ASSIGN_OR_RETURN(std::string s, lex_.ProcessWord(source, env));
      request.sources.push_back(s);
    } else {
      BERTH_ASSIGN_OR_RETURN(std::vector<std::string> words, lex_.ProcessWords(source, env));
      request.sources.insert(request.sources.end(), words.begin(), words.end());
    }
  }
  BERTH_ASSIGN_OR_RETURN(request.dest, lex_.ProcessWord(ins.dest, env));
  BERTH_ASSIGN_OR_RETURN(request.chown, lex_.ProcessWord(ins.chown, env));
  BERTH_ASSIGN_OR_RETURN(request.chmod, lex_.ProcessWord(ins.chmod, env));

  absl::StatusOr<builder::CopyLayer> layer;
  if (!ins.from.empty()) {
    layer = CopyFromImage(ins.from, request);
  } else {
    layer = builder::BuildCopyLayer(build_.context, request);
  }
  if (!layer.ok()) {
    return absl::Status(layer.status().code(),
                        absl::StrCat(request.instruction, " failed: ", layer.status().message()));
  }
  std::string created_by =
      absl::StrCat("/bin/sh -c #(nop) ", request.instruction, " ", layer->description);
  std::string key = builder::CacheKey({stage.image_id, ins.original, layer->content_hash,
                                       request.dest, request.workdir, request.chown,
                                       request.chmod, CanonicalConfig(stage.config)});
  if (UseCache(key, stage)) return absl::OkStatus();
  BERTH_ASSIGN_OR_RETURN(v1::Image image, CommitLayer(stage, created_by, layer->tar));
  return Advance(key, image, stage);
}

}  // namespace berth::apid
