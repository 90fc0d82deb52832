// A container's files on the Docker REST face: the archive endpoints of
// `docker cp` (HEAD/GET/PUT /containers/{id}/archive), export, changes
// (diff) and POST /commit. They translate to ContainerFileService only.
#include <nlohmann/json.hpp>

#include "absl/strings/escaping.h"
#include "absl/time/time.h"
#include "common/status/status.h"
#include "services/apid/rest/handlers.h"
#include "spdlog/spdlog.h"

namespace berth::apid::rest {
namespace {

constexpr size_t kUploadChunk = 256 * 1024;

// Go's time.Time as JSON: RFC 3339 with nanoseconds, trailing zeros dropped.
std::string GoTime(int64_t unix_nanos) {
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%E*SZ", absl::FromUnixNanos(unix_nanos),
                          absl::UTCTimeZone());
}

// The X-Docker-Container-Path-Stat header: base64 of dockerd's JSON.
std::string PathStatHeader(const v1::ContainerPathStat& stat) {
  nlohmann::ordered_json j = {{"name", stat.name()},
                              {"size", stat.size()},
                              {"mode", stat.mode()},
                              {"mtime", GoTime(stat.mtime_unix_nanos())},
                              {"linkTarget", stat.link_target()}};
  return absl::Base64Escape(j.dump());
}

absl::StatusOr<std::string> PathParam(HandlerContext& ctx) {
  std::string path = ctx.request.query.Get("path");
  if (path.empty()) return absl::InvalidArgumentError("bad parameter: path cannot be empty");
  return path;
}

absl::Status NotServed() { return absl::UnimplementedError("copying files (cp) is not served here"); }

absl::Status Head(RestDeps& deps, HandlerContext& ctx) {
  if (deps.files == nullptr) return NotServed();
  BERTH_ASSIGN_OR_RETURN(std::string path, PathParam(ctx));
  absl::StatusOr<v1::ContainerPathStat> stat =
      deps.files->StatPath(ctx.request.params["id"], path);
  if (!stat.ok()) return stat.status();
  return ctx.response.Send(200, {{"X-Docker-Container-Path-Stat", PathStatHeader(*stat)}}, "");
}

absl::Status Get(RestDeps& deps, HandlerContext& ctx) {
  if (deps.files == nullptr) return NotServed();
  BERTH_ASSIGN_OR_RETURN(std::string path, PathParam(ctx));
  absl::Status status = deps.files->ArchivePath(
      ctx.request.params["id"], path,
      [&](const v1::ContainerPathStat& stat) {
        return ctx.response.BeginChunked(
            200, {{"Content-Type", "application/x-tar"},
                  {"X-Docker-Container-Path-Stat", PathStatHeader(stat)}});
      },
      [&](const std::string& data) { return ctx.response.WriteChunk(data); }, nullptr);
  if (!status.ok()) {
    if (!ctx.response.started()) return status;
    spdlog::warn("archive of '{}' in container={} ended early: {}", path,
                 ctx.request.params["id"], status.ToString());
    return absl::OkStatus();  // the truncated chunked body tells the client
  }
  return ctx.response.EndChunked();
}

absl::Status Put(RestDeps& deps, HandlerContext& ctx) {
  if (deps.files == nullptr) return NotServed();
  BERTH_ASSIGN_OR_RETURN(std::string path, PathParam(ctx));
  v1::ExtractToContainerRequest header;
  header.set_container(ctx.request.params["id"]);
  header.set_path(path);
  header.set_no_overwrite_dir_non_dir(ctx.request.query.GetBool("noOverwriteDirNonDir"));
  header.set_copy_uid_gid(ctx.request.query.GetBool("copyUIDGID"));
  BERTH_RETURN_IF_ERROR(deps.files->Extract(
      header, [&]() { return ctx.body.ReadSome(kUploadChunk); }, nullptr));
  return ctx.response.Send(200, {}, "");
}

absl::Status Export(RestDeps& deps, HandlerContext& ctx) {
  if (deps.files == nullptr) return absl::UnimplementedError("export is not served here");
  bool begun = false;
  absl::Status status = deps.files->Export(
      ctx.request.params["id"],
      [&](const std::string& data) -> absl::Status {
        if (!begun) {
          BERTH_RETURN_IF_ERROR(
              ctx.response.BeginChunked(200, {{"Content-Type", "application/octet-stream"}}));
          begun = true;
        }
        return ctx.response.WriteChunk(data);
      },
      nullptr);
  if (!status.ok()) {
    if (!ctx.response.started()) return status;
    spdlog::warn("export of container={} ended early: {}", ctx.request.params["id"],
                 status.ToString());
    return absl::OkStatus();
  }
  if (!begun) BERTH_RETURN_IF_ERROR(ctx.response.BeginChunked(200, {{"Content-Type", "application/octet-stream"}}));
  return ctx.response.EndChunked();
}

absl::Status Changes(RestDeps& deps, HandlerContext& ctx) {
  if (deps.files == nullptr) return absl::UnimplementedError("diff is not served here");
  absl::StatusOr<std::vector<v1::ContainerChange>> changes =
      deps.files->Changes(ctx.request.params["id"]);
  if (!changes.ok()) return changes.status();
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const v1::ContainerChange& c : *changes) {
    out.push_back({{"Path", c.path()}, {"Kind", c.kind()}});
  }
  return SendJson(ctx.response, 200, out.dump());
}

absl::Status Commit(RestDeps& deps, HandlerContext& ctx) {
  if (deps.files == nullptr) return absl::UnimplementedError("commit is not served here");
  const Query& q = ctx.request.query;
  // The CLI sends no body; a config in the body would override the
  // container's, which Berth does not take yet.
  BERTH_ASSIGN_OR_RETURN(std::string body, ctx.body.ReadAll(4 << 20));
  if (!body.empty() && body != "null" && body != "{}") {
    nlohmann::json config = nlohmann::json::parse(body, nullptr, false);
    if (config.is_discarded()) return absl::InvalidArgumentError("invalid JSON in the commit body");
    for (const auto& [key, value] : config.items()) {
      if (!value.is_null() && !(value.is_string() && value.get<std::string>().empty()) &&
          !(value.is_boolean() && !value.get<bool>()) && !(value.is_number() && value == 0) &&
          !(value.is_array() && value.empty()) && !(value.is_object() && value.empty())) {
        return absl::InvalidArgumentError(
            "a container config in the commit body is not supported (use changes)");
      }
    }
  }
  v1::CommitContainerRequest request;
  request.set_container(q.Get("container"));
  if (request.container().empty()) return absl::InvalidArgumentError("bad parameter: container");
  request.set_repo(q.Get("repo"));
  request.set_tag(q.Get("tag"));
  request.set_comment(q.Get("comment"));
  request.set_author(q.Get("author"));
  request.set_pause(q.GetBool("pause", true));
  for (const std::string& change : q.GetAll("changes")) request.add_changes(change);
  absl::StatusOr<std::string> id = deps.files->Commit(request);
  if (!id.ok()) return id.status();
  return SendJson(ctx.response, 201, nlohmann::json({{"Id", *id}}).dump());
}

}  // namespace

void RegisterContainerFileRoutes(Router& router, RestDeps& deps) {
  router.Add("HEAD", "/containers/{id}/archive", [&deps](HandlerContext& c) { return Head(deps, c); });
  router.Add("GET", "/containers/{id}/archive", [&deps](HandlerContext& c) { return Get(deps, c); });
  router.Add("PUT", "/containers/{id}/archive", [&deps](HandlerContext& c) { return Put(deps, c); });
  router.Add("GET", "/containers/{id}/export", [&deps](HandlerContext& c) { return Export(deps, c); });
  router.Add("GET", "/containers/{id}/changes", [&deps](HandlerContext& c) { return Changes(deps, c); });
  router.Add("POST", "/commit", [&deps](HandlerContext& c) { return Commit(deps, c); });
}

}  // namespace berth::apid::rest
