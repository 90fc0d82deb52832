// RUN (a step container through ContainerService) and COPY --from (files
// read out of another image by imaged) for the builder.
#include <set>
#include <thread>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/ascii.h"
#include "absl/synchronization/notification.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status/status.h"
#include "services/apid/usecases/build_run.h"
#include "spdlog/spdlog.h"

namespace berth::apid {
namespace {

using builder::dockerfile::Instruction;

std::string ShortId(const std::string& id) {
  std::string hex = absl::StartsWith(id, "sha256:") ? id.substr(7) : id;
  return hex.substr(0, 12);
}

std::vector<std::string> RunArgs(const builder::dockerfile::CommandLine& cmd,
                                 const v1::ImageConfig& config) {
  if (cmd.exec_form) return cmd.args;
  std::vector<std::string> out(config.shell().begin(), config.shell().end());
  if (out.empty()) out = {"/bin/sh", "-c"};
  out.insert(out.end(), cmd.args.begin(), cmd.args.end());
  return out;
}

}  // namespace

absl::Status BuildService::Run::RunCommand(const Instruction& ins, Stage& stage) {
  if (stage.image_id.empty()) {
    return absl::InvalidArgumentError("RUN needs a base image: nothing to run on scratch");
  }
  std::vector<std::string> args = RunArgs(ins.command, stage.config);
  std::string joined = absl::StrJoin(args, " ");
  std::vector<std::string> env = RunEnv(stage);
  // Build args that reach the command are part of the key (not the proxies).
  std::vector<std::string> keyed_args;
  for (const auto& [k, v] : stage.args) keyed_args.push_back(absl::StrCat(k, "=", v));
  std::string key = builder::CacheKey({stage.image_id, "RUN", joined, absl::StrJoin(keyed_args, "\n"),
                                       CanonicalConfig(stage.config), ins.network});
  if (UseCache(key, stage)) return absl::OkStatus();

  v1::ContainerConfig config;
  config.set_image(stage.image_id);
  config.add_entrypoint("");  // the step's command replaces the image's entrypoint
  for (const std::string& a : args) config.add_cmd(a);
  for (const std::string& e : env) config.add_env(e);
  config.set_working_dir(stage.config.working_dir());
  config.set_user(stage.config.user());
  config.set_attach_stdout(true);
  config.set_attach_stderr(true);
  std::string network = ins.network.empty() || ins.network == "default"
                            ? build_.options.network_mode
                            : ins.network;
  config.set_network_mode(network);

  BERTH_ASSIGN_OR_RETURN(ContainerService::CreateResult created, containers_.Create("", config));
  const std::string id = created.id;
  // The step container goes in every case (also a failed or cancelled step),
  // so a build leaves no container and no snapshot behind.
  absl::Cleanup remove = [this, id] {
    absl::Status removed = containers_.Remove(id, /*force=*/true);
    if (!removed.ok()) spdlog::warn("build: remove step container {}: {}", id, removed.ToString());
  };
  Stream(absl::StrCat(" ---> Running in ", ShortId(id), "\n"));

  BERTH_ASSIGN_OR_RETURN(ContainerService::OpenAttach attach,
                         containers_.Attach(id, {false, true, true, false}));
  std::unique_ptr<WaitStream> wait =
      containers_.Wait(id, v1::WAIT_CONDITION_NEXT_EXIT, nullptr);
  v1::WaitEvent event;
  if (!wait->Read(&event) || !event.registered()) {
    attach.stream->Cancel();
    attach.stream->Finish().IgnoreError();
    absl::Status s = wait->Finish();
    return s.ok() ? absl::InternalError("wait was not registered") : s;
  }
  absl::StatusOr<bool> started = containers_.Start(id);
  if (!started.ok()) {
    attach.stream->Cancel();
    attach.stream->Finish().IgnoreError();
    wait->Cancel();
    wait->Finish().IgnoreError();
    return started.status();
  }
  // A client that goes away while the step is silent must still stop it:
  // a watcher kills the container, which ends the attach stream below.
  absl::Notification step_done;
  std::thread watcher;
  if (cancelled_ != nullptr) {
    watcher = std::thread([this, &step_done, id] {
      while (!step_done.WaitForNotificationWithTimeout(absl::Milliseconds(200))) {
        if (Cancelled()) {
          containers_.Kill(id, "SIGKILL").IgnoreError();
          return;
        }
      }
    });
  }
  absl::Cleanup stop_watcher = [&step_done, &watcher] {
    step_done.Notify();
    if (watcher.joinable()) watcher.join();
  };
  v1::AttachOutput out;
  while (attach.stream->Read(&out)) {
    if (out.has_output() && !out.output().data().empty()) Stream(out.output().data());
    if (out.ended()) break;
  }
  attach.stream->WritesDone();
  attach.stream->Cancel();
  attach.stream->Finish().IgnoreError();
  int code = -1;
  std::string error;
  while (wait->Read(&event)) {
    if (event.has_exit()) {
      code = event.exit().exit_code();
      error = event.exit().error();
      break;
    }
  }
  wait->Cancel();
  wait->Finish().IgnoreError();
  if (Cancelled()) return absl::CancelledError("Build cancelled");
  if (code != 0) {
    exit_code_ = code < 0 ? 1 : code;
    if (code < 0) {
      return absl::InternalError(absl::StrCat("The command '", joined, "' did not report an exit: ",
                                              error));
    }
    return absl::InternalError(
        absl::StrCat("The command '", joined, "' returned a non-zero code: ", code));
  }
  Stream(absl::StrCat("Removing intermediate container ", ShortId(id), "\n"));
  v1::CommitSnapshotRequest commit;
  commit.set_key(id);
  *commit.mutable_options()->mutable_config() = stage.config;
  commit.mutable_options()->set_created_by(joined);
  commit.mutable_options()->set_author(stage.author);
  BERTH_ASSIGN_OR_RETURN(v1::Image image, imaged_.CommitSnapshot(commit));
  if (!build_.options.remove) std::move(remove).Cancel();
  return Advance(key, image, stage);
}

absl::StatusOr<builder::CopyLayer> BuildService::Run::CopyFromImage(
    const std::string& from, const builder::CopyRequest& request) {
  // A stage by name or index, else an image reference (pulled if missing).
  std::string image;
  std::string lower = absl::AsciiStrToLower(from);
  for (size_t i = 0; i < stages_.size(); ++i) {
    if ((!stages_[i].name.empty() && stages_[i].name == lower) || from == std::to_string(i)) {
      image = stages_[i].image_id;
    }
  }
  if (image.empty()) {
    BERTH_ASSIGN_OR_RETURN(v1::Image resolved, ResolveBaseImage(from));
    image = resolved.id();
  }
  v1::ExportImagePathsRequest export_request;
  export_request.set_image(image);
  for (const std::string& s : request.sources) {
    if (s.find_first_of("*?[") != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("COPY --from with a wildcard ('", s, "') is not supported yet"));
    }
    export_request.add_paths(s);
  }
  std::unique_ptr<ReadStream<v1::ExportImagePathsChunk>> stream =
      imaged_.ExportImagePaths(export_request, nullptr);
  std::string tar;
  v1::ExportImagePathsChunk chunk;
  while (stream->Read(&chunk)) {
    tar += chunk.data();
    if (tar.size() > static_cast<size_t>(builder::kMaxContextBytes)) {
      stream->Cancel();
      stream->Finish().IgnoreError();
      return absl::ResourceExhaustedError("COPY --from: the files exceed the context limit");
    }
  }
  BERTH_RETURN_IF_ERROR(stream->Finish());
  BERTH_ASSIGN_OR_RETURN(builder::BuildContext files, builder::BuildContext::FromTar(tar));
  // The image id goes into the hash: the same paths of another stage differ.
  BERTH_ASSIGN_OR_RETURN(builder::CopyLayer layer, builder::BuildCopyLayer(files, request));
  layer.content_hash = builder::CacheKey({image, layer.content_hash});
  return layer;
}

}  // namespace berth::apid
