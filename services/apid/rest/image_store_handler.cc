// Images, continued: save (GET /images/get, /images/{name}/get), load (POST
// /images/load), history, prune and search, in Docker Engine API 1.41 shapes.
// Each handler translates and calls one ImageService method.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/status/status.h"
#include "services/apid/rest/filters.h"
#include "services/apid/rest/handlers.h"
#include "services/apid/rest/image_json.h"
#include "spdlog/spdlog.h"
#include "common/time/proto_time.h"

namespace berth::apid::rest {
namespace {

using OJson = nlohmann::ordered_json;

constexpr size_t kUploadChunk = 256 * 1024;

// GET /images/get?names=a&names=b and GET /images/{name}/get: a tar
// (application/x-tar). An error before the first byte is a normal HTTP error;
// after it, the connection is cut so the client sees a truncated archive
// rather than a valid-looking one.
absl::Status StreamSave(RestDeps& deps, HandlerContext& ctx, std::vector<std::string> names) {
  v1::SaveImagesRequest request;
  for (std::string& n : names) request.add_references(std::move(n));
  bool started = false;
  std::unique_ptr<DisconnectWatch> watch;
  StreamSink<v1::SaveImagesChunk> sink;
  sink.write = [&](const v1::SaveImagesChunk& chunk) {
    if (!started) {
      started = true;
      if (!ctx.response.BeginChunked(200, {{"Content-Type", "application/x-tar"}}).ok()) {
        return false;
      }
    }
    return ctx.response.WriteChunk(chunk.data()).ok();
  };
  sink.cancellable = [&](std::function<void()> cancel) {
    watch = cancel ? ctx.response.WatchDisconnect(std::move(cancel)) : nullptr;
  };
  absl::Status s = deps.images->Save(request, sink, nullptr);
  if (!started) return s.ok() ? absl::InternalError("save produced no data") : s;
  if (!s.ok()) {
    spdlog::warn("image save failed mid-stream: {}", s.ToString());
    return absl::OkStatus();  // no EndChunked: the client sees the cut
  }
  return ctx.response.EndChunked();
}

absl::Status SaveMany(RestDeps& deps, HandlerContext& ctx) {
  return StreamSave(deps, ctx, ctx.request.query.GetAll("names"));
}

absl::Status SaveOne(RestDeps& deps, HandlerContext& ctx) {
  return StreamSave(deps, ctx, {ctx.request.params["name"]});
}

// Hex digits 0..12 of "sha256:<hex>", Docker's short layer id.
std::string ShortHex(const std::string& digest) {
  size_t colon = digest.find(':');
  return digest.substr(colon == std::string::npos ? 0 : colon + 1, 12);
}

// POST /images/load?quiet=: the body is the archive. As dockerd: a 200 JSON
// stream with "Loading layer" progress (unless quiet), then
// {"stream":"Loaded image: name:tag\n"} per tag ("Loaded image ID: sha256:..."
// for untagged images); an error is an errorDetail line in that stream.
absl::Status Load(RestDeps& deps, HandlerContext& ctx) {
  const bool quiet = ctx.request.query.GetBool("quiet");
  absl::StatusOr<v1::LoadImagesResponse> loaded =
      deps.images->Load([&ctx] { return ctx.body.ReadSome(kUploadChunk); }, nullptr);
  if (absl::Status s = ctx.response.BeginChunked(200, {{"Content-Type", "application/json"}});
      !s.ok()) {
    return absl::OkStatus();
  }
  if (!loaded.ok()) {
    spdlog::warn("image load failed: {}", loaded.status().ToString());
    ctx.response.WriteChunk(ProgressErrorJson(std::string(loaded.status().message())))
        .IgnoreError();
    return ctx.response.EndChunked();
  }
  std::string out;
  if (!quiet) {
    for (const v1::LoadedLayer& layer : loaded->layers()) {
      v1::ProgressMessage m;
      m.set_id(ShortHex(layer.diff_id()));
      m.set_status("Loading layer");
      m.set_current(layer.size());
      m.set_total(layer.size());
      out += ProgressLineJson(m);
    }
  }
  for (const std::string& tag : loaded->tags()) {
    out += OJson{{"stream", "Loaded image: " + tag + "\n"}}.dump() + "\n";
  }
  for (const std::string& id : loaded->untagged_ids()) {
    out += OJson{{"stream", "Loaded image ID: " + id + "\n"}}.dump() + "\n";
  }
  ctx.response.WriteChunk(out).IgnoreError();
  return ctx.response.EndChunked();
}

// GET /images/{name}/history: [{Id, Created, CreatedBy, Tags, Size, Comment}].
absl::Status History(RestDeps& deps, HandlerContext& ctx) {
  absl::StatusOr<v1::ImageHistoryResponse> history =
      deps.images->History(ctx.request.params["name"]);
  if (!history.ok()) return history.status();
  OJson out = OJson::array();
  for (const v1::ImageHistoryItem& item : history->items()) {
    OJson tags = item.tags().empty()
                     ? OJson(nullptr)
                     : OJson(std::vector<std::string>(item.tags().begin(), item.tags().end()));
    out.push_back({{"Comment", item.comment()},
                   {"Created", item.created().seconds()},
                   {"CreatedBy", item.created_by()},
                   {"Id", item.id()},
                   {"Size", item.size()},
                   {"Tags", tags}});
  }
  return SendJson(ctx.response, 200, out.dump());
}

// Docker's `until`: Unix seconds[.fraction], an RFC 3339 time, or a Go
// duration counted back from now ("24h", "1h30m").
absl::StatusOr<absl::Time> ParseUntil(const std::string& value) {
  double seconds = 0;
  if (absl::SimpleAtod(value, &seconds) && value.find_first_not_of("0123456789.") == std::string::npos) {
    return absl::FromUnixNanos(static_cast<int64_t>(seconds * 1e9));
  }
  absl::Duration ago;
  if (absl::ParseDuration(value, &ago)) return absl::Now() - ago;
  absl::Time t;
  std::string error;
  for (const char* format : {absl::RFC3339_full, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"}) {
    if (absl::ParseTime(format, value, &t, &error)) return t;
  }
  return absl::InvalidArgumentError("invalid value for until: '" + value +
                                    "' (a Unix time, an RFC 3339 time or a duration like 24h)");
}

// POST /images/prune?filters=: {ImagesDeleted, SpaceReclaimed}.
absl::Status Prune(RestDeps& deps, HandlerContext& ctx) {
  absl::StatusOr<Filters> filters = ParseFilters(ctx.request.query.Get("filters"));
  if (!filters.ok()) return filters.status();
  v1::PruneImagesRequest request;
  for (const auto& [key, values] : *filters) {
    if (key == "dangling") {
      for (const std::string& v : values) {
        std::string lower = absl::AsciiStrToLower(v);
        if (lower == "false" || lower == "0") {
          request.set_all(true);
        } else if (lower != "true" && lower != "1") {
          return absl::InvalidArgumentError("invalid filter 'dangling=" + v + "'");
        }
      }
    } else if (key == "until") {
      if (values.size() != 1) return absl::InvalidArgumentError("give one value for until");
      BERTH_ASSIGN_OR_RETURN(absl::Time until, ParseUntil(values.front()));
      *request.mutable_until() = ToTimestamp(until);
    } else if (key == "label") {
      for (const std::string& v : values) request.add_labels(v);
    } else if (key == "label!") {
      for (const std::string& v : values) request.add_without_labels(v);
    } else {
      return absl::InvalidArgumentError("invalid filter '" + key + "'");
    }
  }
  absl::StatusOr<v1::PruneImagesResponse> pruned = deps.images->Prune(request);
  if (!pruned.ok()) return pruned.status();
  OJson deleted = OJson::array();
  for (const std::string& t : pruned->untagged()) deleted.push_back({{"Untagged", t}});
  for (const std::string& d : pruned->deleted()) deleted.push_back({{"Deleted", d}});
  OJson out;
  out["ImagesDeleted"] = deleted.empty() ? OJson(nullptr) : deleted;
  out["SpaceReclaimed"] = pruned->space_reclaimed();
  return SendJson(ctx.response, 200, out.dump());
}

// GET /images/search?term=HOST/TERM&limit=: Docker's search result shape.
absl::Status Search(RestDeps& deps, HandlerContext& ctx) {
  const Query& q = ctx.request.query;
  if (!q.Get("filters").empty()) {
    BERTH_ASSIGN_OR_RETURN(Filters filters, ParseFilters(q.Get("filters")));
    if (!filters.empty()) {
      return absl::InvalidArgumentError(
          "search filters (stars, is-official, is-automated) are not supported: a registry "
          "catalog has no such data");
    }
  }
  v1::SearchImagesRequest request;
  request.set_term(q.Get("term"));
  if (std::string limit = q.Get("limit"); !limit.empty()) {
    int n = 0;
    if (!absl::SimpleAtoi(limit, &n)) return absl::InvalidArgumentError("invalid limit '" + limit + "'");
    request.set_limit(n);
  }
  if (auto auth = ctx.request.headers.find("x-registry-auth"); auth != ctx.request.headers.end()) {
    request.set_registry_auth(auth->second);
  }
  absl::StatusOr<v1::SearchImagesResponse> found = deps.images->Search(request);
  if (!found.ok()) return found.status();
  OJson out = OJson::array();
  for (const std::string& name : found->names()) {
    out.push_back({{"star_count", 0},
                   {"is_official", false},
                   {"name", name},
                   {"is_automated", false},
                   {"description", ""}});
  }
  return SendJson(ctx.response, 200, out.dump());
}

}  // namespace

void RegisterImageStoreRoutes(Router& router, RestDeps& deps) {
  router.Add("GET", "/images/get", Bind(deps, SaveMany));
  router.Add("GET", "/images/search", Bind(deps, Search));
  router.Add("POST", "/images/load", Bind(deps, Load));
  router.Add("POST", "/images/prune", Bind(deps, Prune));
  router.Add("GET", "/images/{name*}/history", Bind(deps, History));
  router.Add("GET", "/images/{name*}/get", Bind(deps, SaveOne));
}

}  // namespace berth::apid::rest
