// Images: list, inspect, remove, import (POST /images/create?fromSrc=-),
// pull (POST /images/create?fromImage=...), push, tag and login: each
// translates and calls one ImageService method. Registry credentials pass
// through as Docker's X-Registry-Auth value; apid keeps none.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "common/status/status.h"
#include "services/apid/rest/filters.h"
#include "services/apid/rest/handlers.h"
#include "services/apid/rest/image_json.h"
#include "spdlog/spdlog.h"

namespace berth::apid::rest {
namespace {

constexpr size_t kUploadChunk = 256 * 1024;

absl::Status List(RestDeps& deps, HandlerContext& ctx) {
  BERTH_ASSIGN_OR_RETURN(Filters filters, ParseFilters(ctx.request.query.Get("filters")));
  // Docker's older `filter=` query (a reference pattern), as the CLI may send.
  if (std::string filter = ctx.request.query.Get("filter"); !filter.empty()) {
    filters["reference"].push_back(filter);
  }
  absl::StatusOr<std::vector<v1::Image>> images =
      deps.images->List(ctx.request.query.GetBool("all"), filters);
  if (!images.ok()) return images.status();
  std::string out = "[";
  for (size_t i = 0; i < images->size(); ++i) {
    if (i > 0) out += ",";
    out += ImageListEntryJson((*images)[i]);
  }
  out += "]";
  return SendJson(ctx.response, 200, out);
}

absl::Status Inspect(RestDeps& deps, HandlerContext& ctx) {
  absl::StatusOr<v1::Image> image = deps.images->Inspect(ctx.request.params["name"]);
  if (!image.ok()) return image.status();
  return SendJson(ctx.response, 200, ImageInspectJson(*image));
}

absl::Status Remove(RestDeps& deps, HandlerContext& ctx) {
  absl::StatusOr<v1::RemoveImageResponse> removed =
      deps.images->Remove(ctx.request.params["name"], ctx.request.query.GetBool("force"));
  if (!removed.ok()) return removed.status();
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const std::string& t : removed->untagged()) out.push_back({{"Untagged", t}});
  for (const std::string& d : removed->deleted()) out.push_back({{"Deleted", d}});
  return SendJson(ctx.response, 200, out.dump());
}

absl::Status Import(RestDeps& deps, HandlerContext& ctx) {
  const Query& q = ctx.request.query;
  if (q.Get("fromSrc") != "-") {
    return absl::UnimplementedError("importing from a URL is not supported yet");
  }
  v1::ImportImageRequest first;
  first.mutable_options()->set_repo(q.Get("repo"));
  first.mutable_options()->set_tag(q.Get("tag"));
  first.mutable_options()->set_message(q.Get("message"));
  for (const std::string& change : q.GetAll("changes")) {
    first.mutable_options()->add_changes(change);
  }
  absl::StatusOr<v1::ImportImageResponse> imported = deps.images->Import(
      first, [&ctx] { return ctx.body.ReadSome(kUploadChunk); }, nullptr);
  if (!imported.ok()) return imported.status();
  spdlog::info("image={} imported as '{}'", imported->image().id(), q.Get("repo"));
  if (absl::Status s = ctx.response.BeginChunked(200, {{"Content-Type", "application/json"}});
      !s.ok()) {
    return absl::OkStatus();
  }
  ctx.response.WriteChunk(ProgressStatusJson(imported->image().id())).IgnoreError();
  return ctx.response.EndChunked();
}

// "busybox" + "latest" → "busybox:latest"; a digest tag becomes "@sha256:...".
std::string PullReference(const std::string& from_image, const std::string& tag) {
  if (tag.empty()) return from_image;
  if (absl::StartsWith(tag, "sha256:")) return from_image + "@" + tag;
  return from_image + ":" + tag;
}

std::string RegistryAuthHeader(const HandlerContext& ctx) {
  auto auth = ctx.request.headers.find("x-registry-auth");
  return auth == ctx.request.headers.end() ? "" : auth->second;
}

// Docker's JSON progress stream for a pull or push: `run` calls the use case
// with the sink. A progress stream reports failures inside its 200 body; the
// CLI prints the errorDetail message and exits 1.
absl::Status StreamProgress(
    HandlerContext& ctx, const std::string& what, const std::string& reference,
    const std::function<absl::Status(const StreamSink<v1::ProgressMessage>&)>& run) {
  if (absl::Status s = ctx.response.BeginChunked(200, {{"Content-Type", "application/json"}});
      !s.ok()) {
    return absl::OkStatus();
  }
  std::unique_ptr<DisconnectWatch> watch;
  StreamSink<v1::ProgressMessage> sink;
  sink.write = [&ctx](const v1::ProgressMessage& m) {
    return ctx.response.WriteChunk(ProgressLineJson(m)).ok();
  };
  sink.cancellable = [&](std::function<void()> cancel) {
    watch = cancel ? ctx.response.WatchDisconnect(std::move(cancel)) : nullptr;
  };
  absl::Status s = run(sink);
  if (!s.ok() && !absl::IsCancelled(s)) {
    std::string text(s.message());
    if (absl::IsUnimplemented(s) && text.empty()) text = what + " is not implemented yet";
    if (text.empty()) text = s.ToString();
    spdlog::warn("{} of '{}' failed: {}", what, reference, s.ToString());
    ctx.response.WriteChunk(ProgressErrorJson(text)).IgnoreError();
  }
  return ctx.response.EndChunked();
}

absl::Status Pull(RestDeps& deps, HandlerContext& ctx) {
  v1::PullImageRequest request;
  request.set_reference(
      PullReference(ctx.request.query.Get("fromImage"), ctx.request.query.Get("tag")));
  request.set_registry_auth(RegistryAuthHeader(ctx));
  return StreamProgress(ctx, "pull", request.reference(), [&](const auto& sink) {
    return deps.images->Pull(request, sink, nullptr);
  });
}

// POST /images/{name}/push?tag=: the name may carry a registry host and port.
absl::Status Push(RestDeps& deps, HandlerContext& ctx) {
  v1::PushImageRequest request;
  std::string tag = ctx.request.query.Get("tag");
  std::string name = ctx.request.params["name"];
  request.set_reference(tag.empty() ? name : name + ":" + tag);
  request.set_registry_auth(RegistryAuthHeader(ctx));
  return StreamProgress(ctx, "push", request.reference(), [&](const auto& sink) {
    return deps.images->Push(request, sink, nullptr);
  });
}

// POST /images/{name}/tag?repo=&tag= → 201 with no body, as Docker answers.
absl::Status TagImage(RestDeps& deps, HandlerContext& ctx) {
  std::string repo = ctx.request.query.Get("repo");
  if (repo.empty()) return absl::InvalidArgumentError("repository name (repo) must be given");
  std::string tag = ctx.request.query.Get("tag");
  BERTH_RETURN_IF_ERROR(
      deps.images->Tag(ctx.request.params["name"], tag.empty() ? repo : repo + ":" + tag));
  return ctx.response.Send(201, {}, "");
}

// POST /auth (docker login): imaged checks the credentials against the
// registry; nothing is stored (the CLI keeps them in its config.json).
absl::Status Login(RestDeps& deps, HandlerContext& ctx) {
  BERTH_ASSIGN_OR_RETURN(std::string body, ctx.body.ReadAll(64 * 1024));
  nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return absl::InvalidArgumentError("invalid JSON in the login request");
  v1::LoginRequest request;
  request.set_server(j.value("serveraddress", ""));
  // imaged takes credentials in X-Registry-Auth form everywhere.
  request.set_registry_auth(absl::WebSafeBase64Escape(body));
  absl::StatusOr<v1::LoginResponse> response = deps.images->Login(request);
  if (!response.ok()) return response.status();
  nlohmann::ordered_json out = {{"Status", response->status()}, {"IdentityToken", ""}};
  return SendJson(ctx.response, 200, out.dump());
}

absl::Status CreateImage(RestDeps& deps, HandlerContext& ctx) {
  if (ctx.request.query.Has("fromSrc")) return Import(deps, ctx);
  if (!ctx.request.query.Get("fromImage").empty()) return Pull(deps, ctx);
  return absl::InvalidArgumentError("either fromSrc or fromImage must be given");
}

}  // namespace

void RegisterImageRoutes(Router& router, RestDeps& deps) {
  router.Add("GET", "/images/json", Bind(deps, List));
  router.Add("POST", "/images/create", Bind(deps, CreateImage));
  router.Add("GET", "/images/{name*}/json", Bind(deps, Inspect));
  router.Add("DELETE", "/images/{name*}", Bind(deps, Remove));
  router.Add("POST", "/images/{name*}/push", Bind(deps, Push));
  router.Add("POST", "/images/{name*}/tag", Bind(deps, TagImage));
  router.Add("POST", "/auth", Bind(deps, Login));
}

}  // namespace berth::apid::rest
