#include "services/apid/rest/image_json.h"

#include <map>
#include <vector>

#include <nlohmann/json.hpp>

#include "services/apid/rest/frames.h"

namespace berth::apid::rest {
namespace {

using OJson = nlohmann::ordered_json;

std::string Dump(const OJson& j) { return j.dump(-1, ' ', false, OJson::error_handler_t::replace); }

OJson StringsOrNull(const google::protobuf::RepeatedPtrField<std::string>& v) {
  if (v.empty()) return nullptr;
  return OJson(std::vector<std::string>(v.begin(), v.end()));
}

OJson LabelsOrNull(const v1::ImageConfig& config) {
  if (config.labels().empty()) return nullptr;
  std::map<std::string, std::string> sorted(config.labels().begin(), config.labels().end());
  return OJson(sorted);
}

OJson ConfigJson(const v1::ImageConfig& c) {
  OJson j;
  j["Hostname"] = "";
  j["Domainname"] = "";
  j["User"] = c.user();
  j["AttachStdin"] = false;
  j["AttachStdout"] = false;
  j["AttachStderr"] = false;
  if (c.exposed_ports_size() > 0) {
    OJson ports = OJson::object();
    for (const std::string& p : c.exposed_ports()) ports[p] = OJson::object();
    j["ExposedPorts"] = ports;
  }
  j["Tty"] = false;
  j["OpenStdin"] = false;
  j["StdinOnce"] = false;
  j["Env"] = StringsOrNull(c.env());
  j["Cmd"] = StringsOrNull(c.cmd());
  j["Image"] = "";
  if (c.volumes_size() > 0) {
    OJson volumes = OJson::object();
    for (const std::string& v : c.volumes()) volumes[v] = OJson::object();
    j["Volumes"] = volumes;
  } else {
    j["Volumes"] = nullptr;
  }
  j["WorkingDir"] = c.working_dir();
  j["Entrypoint"] = StringsOrNull(c.entrypoint());
  j["OnBuild"] = StringsOrNull(c.on_build());
  j["Labels"] = LabelsOrNull(c);
  if (!c.stop_signal().empty()) j["StopSignal"] = c.stop_signal();
  if (c.shell_size() > 0) j["Shell"] = StringsOrNull(c.shell());
  if (c.has_healthcheck()) {
    // Docker's HealthConfig: durations in nanoseconds, zero ones omitted.
    const v1::HealthConfig& h = c.healthcheck();
    OJson hc;
    hc["Test"] = StringsOrNull(h.test());
    if (h.interval_ns() != 0) hc["Interval"] = h.interval_ns();
    if (h.timeout_ns() != 0) hc["Timeout"] = h.timeout_ns();
    if (h.start_period_ns() != 0) hc["StartPeriod"] = h.start_period_ns();
    if (h.start_interval_ns() != 0) hc["StartInterval"] = h.start_interval_ns();
    if (h.retries() != 0) hc["Retries"] = h.retries();
    j["Healthcheck"] = hc;
  }
  return j;
}

}  // namespace

OJson ImageListEntry(const v1::Image& image) {
  OJson j;
  j["Containers"] = -1;
  j["Created"] = image.created().seconds();
  j["Id"] = image.id();
  j["Labels"] = LabelsOrNull(image.config());
  j["ParentId"] = image.parent();
  j["RepoDigests"] = image.repo_digests().empty() && image.repo_tags().empty()
                         ? OJson({"<none>@<none>"})
                         : StringsOrNull(image.repo_digests());
  j["RepoTags"] = image.repo_tags().empty() ? OJson({"<none>:<none>"})
                                            : StringsOrNull(image.repo_tags());
  j["SharedSize"] = -1;
  j["Size"] = image.size();
  j["VirtualSize"] = image.size();
  return j;
}

std::string ImageListEntryJson(const v1::Image& image) { return Dump(ImageListEntry(image)); }

std::string ImageInspectJson(const v1::Image& image) {
  OJson j;
  j["Id"] = image.id();
  j["RepoTags"] = std::vector<std::string>(image.repo_tags().begin(), image.repo_tags().end());
  j["RepoDigests"] =
      std::vector<std::string>(image.repo_digests().begin(), image.repo_digests().end());
  j["Parent"] = image.parent();
  j["Comment"] = image.comment();
  j["Created"] = FormatRfc3339Nano(image.created().seconds(), image.created().nanos());
  j["Container"] = "";
  j["DockerVersion"] = "";
  j["Author"] = image.author();
  j["Config"] = ConfigJson(image.config());
  j["Architecture"] = image.architecture().empty() ? "amd64" : image.architecture();
  j["Os"] = image.os().empty() ? "linux" : image.os();
  j["Size"] = image.size();
  j["VirtualSize"] = image.size();
  j["GraphDriver"] = {{"Data", nullptr}, {"Name", "overlay2"}};
  j["RootFS"] = {{"Type", "layers"},
                 {"Layers", std::vector<std::string>(image.diff_ids().begin(),
                                                     image.diff_ids().end())}};
  j["Metadata"] = {{"LastTagTime", "0001-01-01T00:00:00Z"}};
  return Dump(j);
}

std::string ProgressErrorJson(const std::string& message) {
  OJson j;
  j["errorDetail"] = {{"message", message}};
  j["error"] = message;
  return Dump(j) + "\n";
}

std::string ProgressStatusJson(const std::string& status) {
  return Dump(OJson{{"status", status}}) + "\n";
}

std::string ProgressLineJson(const v1::ProgressMessage& m) {
  if (!m.error().empty()) return ProgressErrorJson(m.error());
  OJson j;
  j["status"] = m.status();
  if (m.total() > 0 || m.current() > 0) {
    OJson detail;
    detail["current"] = m.current();
    if (m.total() > 0) detail["total"] = m.total();
    j["progressDetail"] = detail;
  } else {
    j["progressDetail"] = OJson::object();
  }
  if (!m.id().empty()) j["id"] = m.id();
  return Dump(j) + "\n";
}

}  // namespace berth::apid::rest
