#include "services/apid/usecases/container_files.h"

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status/status.h"
#include "services/apid/builder/dockerfile/instructions.h"
#include "services/apid/builder/dockerfile/parser.h"
#include "spdlog/spdlog.h"
#include "services/apid/builder/dockerfile/shell_lex.h"
#include "services/apid/usecases/config_instructions.h"
#include "spdlog/spdlog.h"

namespace berth::apid {
namespace {

bool IsRunning(const v1::Container& c) {
  return c.state().status() == v1::CONTAINER_STATUS_RUNNING ||
         c.state().status() == v1::CONTAINER_STATUS_PAUSED;
}

// "Could not find the file /x" → "... in container <name>" (dockerd's words).
absl::Status NameContainer(absl::Status status, const std::string& container) {
  if (absl::IsNotFound(status) && absl::StartsWith(status.message(), "Could not find the file")) {
    return absl::NotFoundError(absl::StrCat(status.message(), " in container ", container));
  }
  return status;
}

// Drains a tar stream into `on_data`; the first message's stat goes to `on_stat`.
absl::Status Pump(ReadStream<v1::ContainerArchiveChunk>& stream,
                  const std::function<absl::Status(const v1::ContainerPathStat&)>* on_stat,
                  const ContainerFileService::DataFn& on_data) {
  v1::ContainerArchiveChunk chunk;
  bool first = true;
  while (stream.Read(&chunk)) {
    if (first && on_stat != nullptr) {
      absl::Status s = (*on_stat)(chunk.stat());
      if (!s.ok()) {
        stream.Cancel();
        stream.Finish().IgnoreError();
        return s;
      }
    }
    first = false;
    if (!chunk.data().empty()) {
      absl::Status s = on_data(chunk.data());
      if (!s.ok()) {
        stream.Cancel();
        stream.Finish().IgnoreError();
        return s;
      }
    }
  }
  return stream.Finish();
}

using ExtractWriteStream = WriteStream<v1::ExtractToContainerRequest, v1::ExtractToContainerResponse>;

absl::Status Upload(ExtractWriteStream& stream, const v1::ExtractToContainerRequest& header,
                    const ContainerFileService::NextFn& next) {
  bool open = stream.Write(header);
  while (open) {
    absl::StatusOr<std::string> piece = next();
    if (!piece.ok()) {
      stream.Cancel();
      stream.Finish().IgnoreError();
      return piece.status();
    }
    if (piece->empty()) break;
    v1::ExtractToContainerRequest msg;
    msg.set_data(std::move(*piece));
    open = stream.Write(msg);  // false: the backend failed; Finish says why
  }
  return stream.Finish().status();
}

}  // namespace

absl::Status ContainerFileService::Route(
    const std::string& container, const std::function<absl::Status(const std::string&)>& running,
    const std::function<absl::Status(const std::string&)>& stopped) {
  BERTH_ASSIGN_OR_RETURN(v1::Container record, runtimed_.InspectContainer(container));
  if (IsRunning(record)) {
    absl::Status s = running(record.id());
    // It stopped in between: its snapshot then serves.
    if (!absl::IsFailedPrecondition(s) || !absl::StrContains(s.message(), "is not running")) {
      return NameContainer(s, container);
    }
  }
  ContainerLocks::Turn turn(locks_, record.id());
  BERTH_ASSIGN_OR_RETURN(record, runtimed_.InspectContainer(record.id()));
  absl::Status s = IsRunning(record) ? running(record.id()) : stopped(record.id());
  return NameContainer(s, container);
}

absl::StatusOr<v1::ContainerPathStat> ContainerFileService::StatPath(const std::string& container,
                                                                     const std::string& path) {
  v1::ContainerPathStat out;
  auto ask = [&](auto call) {
    return [&, call](const std::string& id) -> absl::Status {
      v1::ContainerPathRequest request;
      request.set_container(id);
      request.set_path(path);
      BERTH_ASSIGN_OR_RETURN(out, call(request));
      return absl::OkStatus();
    };
  };
  BERTH_RETURN_IF_ERROR(Route(
      container, ask([this](const v1::ContainerPathRequest& r) { return runtimed_.StatContainerPath(r); }),
      ask([this](const v1::ContainerPathRequest& r) { return imaged_.StatSnapshotPath(r); })));
  return out;
}

absl::Status ContainerFileService::ArchivePath(
    const std::string& container, const std::string& path,
    const std::function<absl::Status(const v1::ContainerPathStat&)>& on_stat,
    const DataFn& on_data, const grpc::ServerContextBase* parent) {
  auto request = [&](const std::string& id) {
    v1::ContainerPathRequest r;
    r.set_container(id);
    r.set_path(path);
    return r;
  };
  std::string id;
  absl::Status s = Route(
      container,
      [&](const std::string& running_id) {
        id = running_id;
        auto stream = runtimed_.ArchiveContainerPath(request(running_id), parent);
        return Pump(*stream, &on_stat, on_data);
      },
      [&](const std::string& stopped_id) {
        id = stopped_id;
        auto stream = imaged_.ArchiveSnapshotPath(request(stopped_id), parent);
        return Pump(*stream, &on_stat, on_data);
      });
  if (s.ok()) RecordEvent(id, "archive-path");
  return s;
}

void ContainerFileService::RecordEvent(const std::string& id, const std::string& action) {
  // dockerd's cp events; the copy itself succeeded, so a failure here is
  // only logged.
  v1::RecordContainerEventRequest request;
  request.set_container(id);
  request.set_action(action);
  absl::Status s = runtimed_.RecordContainerEvent(request);
  if (!s.ok()) spdlog::warn("container={} event {} not recorded: {}", id.substr(0, 12), action, s.ToString());
}

absl::Status ContainerFileService::Extract(const v1::ExtractToContainerRequest& header,
                                           const NextFn& next,
                                           const grpc::ServerContextBase* parent) {
  auto with_id = [&](const std::string& id) {
    v1::ExtractToContainerRequest h = header;
    h.set_container(id);
    h.clear_data();
    return h;
  };
  std::string id;
  absl::Status s = Route(
      header.container(),
      [&](const std::string& running_id) {
        id = running_id;
        auto stream = runtimed_.ExtractToContainer(parent);
        return Upload(*stream, with_id(running_id), next);
      },
      [&](const std::string& stopped_id) {
        id = stopped_id;
        auto stream = imaged_.ExtractToSnapshot(parent);
        return Upload(*stream, with_id(stopped_id), next);
      });
  if (s.ok()) RecordEvent(id, "extract-to-dir");
  return s;
}

absl::Status ContainerFileService::Export(const std::string& container, const DataFn& on_data,
                                          const grpc::ServerContextBase* parent) {
  BERTH_ASSIGN_OR_RETURN(v1::Container record, runtimed_.InspectContainer(container));
  v1::ContainerExportRequest request;
  request.set_container(record.id());
  auto stream = imaged_.ExportSnapshot(request, parent);
  return Pump(*stream, nullptr, on_data);
}

absl::StatusOr<std::vector<v1::ContainerChange>> ContainerFileService::Changes(
    const std::string& container) {
  BERTH_ASSIGN_OR_RETURN(v1::Container record, runtimed_.InspectContainer(container));
  v1::ContainerChangesRequest request;
  request.set_container(record.id());
  BERTH_ASSIGN_OR_RETURN(v1::ContainerChangesResponse response, imaged_.SnapshotChanges(request));
  return WithoutRuntimeMountPoints(
      std::vector<v1::ContainerChange>(response.changes().begin(), response.changes().end()));
}

std::vector<v1::ContainerChange> WithoutRuntimeMountPoints(std::vector<v1::ContainerChange> changes) {
  static const std::set<std::string> kMountPoints = {"/etc/hostname", "/etc/hosts",
                                                     "/etc/resolv.conf"};
  std::vector<v1::ContainerChange> out;
  bool etc_has_other = false;
  for (const v1::ContainerChange& c : changes) {
    if (c.kind() == 1 && kMountPoints.count(c.path()) != 0) continue;
    if (absl::StartsWith(c.path(), "/etc/")) etc_has_other = true;
    out.push_back(c);
  }
  if (!etc_has_other) {
    out.erase(std::remove_if(out.begin(), out.end(),
                             [](const v1::ContainerChange& c) {
                               return c.path() == "/etc" && c.kind() == 0;
                             }),
              out.end());
  }
  return out;
}

absl::StatusOr<std::string> ContainerFileService::Commit(const v1::CommitContainerRequest& request) {
  BERTH_ASSIGN_OR_RETURN(v1::Container record, runtimed_.InspectContainer(request.container()));
  BERTH_ASSIGN_OR_RETURN(v1::Image image, imaged_.InspectImage(record.image_id()));
  v1::ImageConfig config = CommitBaseConfig(record.config(), image.config());
  std::vector<std::string> changes(request.changes().begin(), request.changes().end());
  BERTH_RETURN_IF_ERROR(ApplyCommitChanges(changes, config));
  v1::CommitSnapshotRequest commit;
  commit.set_key(record.id());
  v1::DerivedImageOptions* options = commit.mutable_options();
  *options->mutable_config() = config;
  options->set_comment(request.comment());
  options->set_author(request.author());
  // Docker's history line for a commit is the container's command.
  std::vector<std::string> command(record.path_and_args().begin(), record.path_and_args().end());
  options->set_created_by(absl::StrJoin(command, " "));
  if (!request.repo().empty()) {
    options->set_tag(request.tag().empty() ? request.repo()
                                           : absl::StrCat(request.repo(), ":", request.tag()));
  }
  BERTH_ASSIGN_OR_RETURN(v1::Image committed, imaged_.CommitSnapshot(commit));
  spdlog::info("container={} committed as image={}", record.id(), committed.id());
  return committed.id();
}

v1::ImageConfig CommitBaseConfig(const v1::ContainerConfig& container,
                                 const v1::ImageConfig& image) {
  v1::ImageConfig out;
  out.mutable_env()->CopyFrom(container.env());
  out.mutable_cmd()->CopyFrom(container.cmd());
  out.mutable_entrypoint()->CopyFrom(container.entrypoint());
  out.set_working_dir(container.working_dir());
  out.set_user(container.user());
  std::set<std::string> ports(container.exposed_ports().begin(), container.exposed_ports().end());
  for (const std::string& p : ports) out.add_exposed_ports(p);
  for (const auto& [k, v] : container.labels()) (*out.mutable_labels())[k] = v;
  out.set_stop_signal(container.stop_signal());
  std::set<std::string> volumes(container.volumes().begin(), container.volumes().end());
  for (const std::string& v : volumes) out.add_volumes(v);
  out.mutable_shell()->CopyFrom(image.shell());
  out.mutable_on_build()->CopyFrom(image.on_build());
  if (image.has_healthcheck()) *out.mutable_healthcheck() = image.healthcheck();
  return out;
}

absl::Status ApplyCommitChanges(const std::vector<std::string>& changes, v1::ImageConfig& config) {
  if (changes.empty()) return absl::OkStatus();
  static const std::set<std::string> kValid = {"cmd",   "entrypoint", "healthcheck", "env",
                                               "expose", "label",     "onbuild",     "stopsignal",
                                               "user",  "volume",     "workdir"};
  BERTH_ASSIGN_OR_RETURN(builder::dockerfile::ParsedFile parsed,
                         builder::dockerfile::Parse(absl::StrJoin(changes, "\n")));
  builder::dockerfile::ShellLex lex(parsed.escape);
  bool cmd_set = false;
  for (const builder::dockerfile::Node& node : parsed.nodes) {
    if (kValid.count(node.instruction) == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(node.instruction, " is not a valid change command"));
    }
    BERTH_ASSIGN_OR_RETURN(builder::dockerfile::Instruction ins,
                           builder::dockerfile::ParseInstruction(node, parsed.escape));
    builder::dockerfile::Environment env;
    for (const std::string& e : config.env()) {
      size_t eq = e.find('=');
      if (eq != std::string::npos) env[e.substr(0, eq)] = e.substr(eq + 1);
    }
    BERTH_RETURN_IF_ERROR(ApplyConfigInstruction(ins, lex, env, config, cmd_set));
  }
  return absl::OkStatus();
}

}  // namespace berth::apid
