#include "services/imaged/metadata/image_config.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

namespace berth::imaged::metadata {
namespace {

using Json = nlohmann::json;

absl::Time ParseTimeOr(const Json& j, const char* key) {
  absl::Time t = absl::UnixEpoch();
  if (j.contains(key) && j[key].is_string()) {
    std::string err;
    if (!absl::ParseTime(absl::RFC3339_full, j[key].get<std::string>(), &t, &err)) {
      t = absl::UnixEpoch();
    }
  }
  return t;
}

std::vector<std::string> StringsOr(const Json& j, const char* key) {
  if (!j.contains(key) || j[key].is_null()) return {};
  return j[key].get<std::vector<std::string>>();
}

std::string StringOr(const Json& j, const char* key) {
  if (!j.contains(key) || j[key].is_null()) return "";
  return j[key].get<std::string>();
}

Json ConfigToJson(const ImageConfig& c) {
  Json j = Json::object();
  if (!c.env.empty()) j["Env"] = c.env;
  if (!c.cmd.empty()) j["Cmd"] = c.cmd;
  if (!c.entrypoint.empty()) j["Entrypoint"] = c.entrypoint;
  if (!c.working_dir.empty()) j["WorkingDir"] = c.working_dir;
  if (!c.user.empty()) j["User"] = c.user;
  if (!c.exposed_ports.empty()) {
    Json ports = Json::object();
    for (const auto& p : c.exposed_ports) ports[p] = Json::object();
    j["ExposedPorts"] = ports;
  }
  if (!c.labels.empty()) j["Labels"] = c.labels;
  if (!c.stop_signal.empty()) j["StopSignal"] = c.stop_signal;
  if (!c.volumes.empty()) {
    Json volumes = Json::object();
    for (const auto& v : c.volumes) volumes[v] = Json::object();
    j["Volumes"] = volumes;
  }
  if (!c.shell.empty()) j["Shell"] = c.shell;
  if (!c.on_build.empty()) j["OnBuild"] = c.on_build;
  if (c.healthcheck.has_value()) {
    const HealthConfig& h = *c.healthcheck;
    Json hc = {{"Test", h.test}};
    if (h.interval_ns != 0) hc["Interval"] = h.interval_ns;
    if (h.timeout_ns != 0) hc["Timeout"] = h.timeout_ns;
    if (h.start_period_ns != 0) hc["StartPeriod"] = h.start_period_ns;
    if (h.start_interval_ns != 0) hc["StartInterval"] = h.start_interval_ns;
    if (h.retries != 0) hc["Retries"] = h.retries;
    j["Healthcheck"] = hc;
  }
  return j;
}

ImageConfig ConfigFromJson(const Json& j) {
  ImageConfig c;
  if (!j.is_object()) return c;
  c.env = StringsOr(j, "Env");
  c.cmd = StringsOr(j, "Cmd");
  c.entrypoint = StringsOr(j, "Entrypoint");
  c.working_dir = StringOr(j, "WorkingDir");
  c.user = StringOr(j, "User");
  if (j.contains("ExposedPorts") && j["ExposedPorts"].is_object()) {
    for (const auto& [port, unused] : j["ExposedPorts"].items()) c.exposed_ports.push_back(port);
  }
  if (j.contains("Labels") && j["Labels"].is_object()) {
    c.labels = j["Labels"].get<std::map<std::string, std::string>>();
  }
  c.stop_signal = StringOr(j, "StopSignal");
  if (j.contains("Volumes") && j["Volumes"].is_object()) {
    for (const auto& [path, unused] : j["Volumes"].items()) c.volumes.push_back(path);
  }
  c.shell = StringsOr(j, "Shell");
  c.on_build = StringsOr(j, "OnBuild");
  if (j.contains("Healthcheck") && j["Healthcheck"].is_object()) {
    const Json& hc = j["Healthcheck"];
    HealthConfig h;
    h.test = StringsOr(hc, "Test");
    h.interval_ns = hc.value("Interval", int64_t{0});
    h.timeout_ns = hc.value("Timeout", int64_t{0});
    h.start_period_ns = hc.value("StartPeriod", int64_t{0});
    h.start_interval_ns = hc.value("StartInterval", int64_t{0});
    h.retries = hc.value("Retries", 0);
    c.healthcheck = std::move(h);
  }
  return c;
}

}  // namespace

std::string FormatRfc3339(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%E*SZ", t, absl::UTCTimeZone());
}

std::string SerializeOciImage(const OciImage& image) {
  // nlohmann::json objects are std::map-backed: keys come out sorted.
  Json j = Json::object();
  j["architecture"] = image.architecture;
  j["os"] = image.os;
  j["created"] = FormatRfc3339(image.created);
  if (!image.author.empty()) j["author"] = image.author;
  if (!image.comment.empty()) j["comment"] = image.comment;
  j["config"] = ConfigToJson(image.config);
  j["rootfs"] = {{"type", "layers"}, {"diff_ids", image.diff_ids}};
  Json history = Json::array();
  for (const auto& h : image.history) {
    Json e = {{"created", FormatRfc3339(h.created)}};
    if (!h.created_by.empty()) e["created_by"] = h.created_by;
    if (!h.comment.empty()) e["comment"] = h.comment;
    if (h.empty_layer) e["empty_layer"] = true;
    history.push_back(std::move(e));
  }
  j["history"] = std::move(history);
  return j.dump();
}

absl::StatusOr<OciImage> ParseOciImage(const std::string& json) {
  // nlohmann throws on malformed input and on type mismatches; this is the edge
  // where exceptions turn into a Status.
  try {
    Json j = Json::parse(json);
    if (!j.is_object()) return absl::InvalidArgumentError("image config is not a JSON object");
    OciImage image;
    image.architecture = StringOr(j, "architecture");
    image.os = StringOr(j, "os");
    image.created = ParseTimeOr(j, "created");
    image.author = StringOr(j, "author");
    image.comment = StringOr(j, "comment");
    if (j.contains("config")) image.config = ConfigFromJson(j["config"]);
    if (j.contains("rootfs") && j["rootfs"].is_object()) {
      image.diff_ids = StringsOr(j["rootfs"], "diff_ids");
    }
    if (j.contains("history") && j["history"].is_array()) {
      for (const auto& e : j["history"]) {
        HistoryEntry h;
        h.created = ParseTimeOr(e, "created");
        h.created_by = StringOr(e, "created_by");
        h.comment = StringOr(e, "comment");
        h.empty_layer = e.value("empty_layer", false);
        image.history.push_back(std::move(h));
      }
    }
    return image;
  } catch (const Json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("parse image config: ", e.what()));
  }
}

}  // namespace berth::imaged::metadata
