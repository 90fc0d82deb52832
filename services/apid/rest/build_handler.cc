// POST /build (Docker API 1.41, the classic builder's protocol): the body is
// the context tar, the query carries the options, and the answer is Docker's
// JSON build stream: {"stream":...} lines, {"aux":{"ID":...}} for the image,
// {"errorDetail":{"code":N,"message":...},"error":...} when a step fails (the
// CLI exits with that code). A Dockerfile that does not parse is answered
// before the stream starts, as a plain 400, like dockerd.
#include <atomic>

#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"
#include "services/apid/rest/handlers.h"
#include "spdlog/spdlog.h"

namespace berth::apid::rest {
namespace {

// buildargs / labels: a JSON object of strings (null values are skipped,
// as Docker does for build args without a value).
absl::StatusOr<std::map<std::string, std::string>> JsonMap(const std::string& text,
                                                           const std::string& name) {
  std::map<std::string, std::string> out;
  if (text.empty()) return out;
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat("invalid ", name, ": not a JSON object"));
  }
  for (const auto& [k, v] : j.items()) {
    if (v.is_string()) {
      out[k] = v.get<std::string>();
    } else if (!v.is_null()) {
      return absl::InvalidArgumentError(absl::StrCat("invalid ", name, " value for ", k));
    }
  }
  return out;
}

std::string EventJson(const BuildEvent& event) {
  nlohmann::json j;
  switch (event.kind) {
    case BuildEvent::Kind::kStream:
      j = {{"stream", event.text}};
      break;
    case BuildEvent::Kind::kAux:
      j = {{"aux", {{"ID", event.text}}}};
      break;
    case BuildEvent::Kind::kError:
      j = {{"errorDetail", {{"code", event.exit_code}, {"message", event.text}}},
           {"error", event.text}};
      break;
  }
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\r\n";
}

absl::StatusOr<BuildOptions> ParseOptions(const Query& q) {
  BuildOptions options;
  if (!q.Get("remote").empty()) {
    return absl::UnimplementedError("building from a remote context is not supported");
  }
  if (q.Get("version") == "2") {
    return absl::UnimplementedError(
        "BuildKit is not supported by this engine: build with DOCKER_BUILDKIT=0");
  }
  options.dockerfile = q.Get("dockerfile", "Dockerfile");
  for (const std::string& t : q.GetAll("t")) {
    if (!t.empty()) options.tags.push_back(t);
  }
  auto args = JsonMap(q.Get("buildargs"), "buildargs");
  if (!args.ok()) return args.status();
  options.build_args = *args;
  auto labels = JsonMap(q.Get("labels"), "labels");
  if (!labels.ok()) return labels.status();
  options.labels = *labels;
  options.target = q.Get("target");
  options.no_cache = q.GetBool("nocache");
  options.quiet = q.GetBool("q");
  options.pull = q.GetBool("pull");
  options.remove = q.GetBool("rm", true) || q.GetBool("forcerm");
  std::string network = q.Get("networkmode");
  options.network_mode = network == "default" ? "" : network;
  return options;
}

absl::Status Build(RestDeps& deps, HandlerContext& ctx) {
  if (deps.builds == nullptr) return absl::UnimplementedError("build is not implemented yet");
  absl::StatusOr<BuildOptions> options = ParseOptions(ctx.request.query);
  if (!options.ok()) return options.status();
  absl::StatusOr<std::string> body =
      ctx.body.ReadAll(static_cast<size_t>(builder::kMaxContextBytes));
  if (!body.ok()) return body.status();
  absl::StatusOr<PreparedBuild> build = deps.builds->Prepare(*body, *options);
  if (!build.ok()) return build.status();
  body->clear();

  if (absl::Status s = ctx.response.BeginChunked(200, {{"Content-Type", "application/json"}});
      !s.ok()) {
    return absl::OkStatus();
  }
  std::atomic<bool> cancelled{false};
  std::unique_ptr<DisconnectWatch> watch =
      ctx.response.WatchDisconnect([&cancelled] { cancelled = true; });
  auto sink = [&](const BuildEvent& event) {
    if (!ctx.response.WriteChunk(EventJson(event)).ok()) cancelled = true;
  };
  deps.builds->Execute(*build, sink, &cancelled).status().IgnoreError();
  watch.reset();
  return ctx.response.EndChunked();
}

}  // namespace

void RegisterBuildRoutes(Router& router, RestDeps& deps) {
  router.Add("POST", "/build", [&deps](HandlerContext& ctx) { return Build(deps, ctx); });
}

}  // namespace berth::apid::rest
