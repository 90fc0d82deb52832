#include "services/netd/network_store.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/fs/fs.h"
#include "common/status/status.h"
#include "nlohmann/json.hpp"

namespace berth::netd {
namespace {

constexpr int kVersion = 1;
constexpr char kSuffix[] = ".json";

}  // namespace

std::string NetworkStore::ToJson(const NetworkRecord& r) {
  nlohmann::json doc = {
      {"version", kVersion}, {"id", r.id},
      {"name", r.name},      {"driver", r.driver},
      {"subnet", r.subnet},  {"gateway", r.gateway},
      {"ip_range", r.ip_range}, {"bridge", r.bridge},
      {"internal", r.internal}, {"attachable", r.attachable},
      {"mtu", r.mtu},        {"labels", r.labels},
      {"options", r.options}, {"created", r.created},
  };
  return doc.dump(2) + "\n";
}

absl::StatusOr<NetworkRecord> NetworkStore::FromJson(const std::string& json) {
  nlohmann::json doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return absl::DataLossError("network record is not a JSON object");
  }
  if (doc.value("version", 0) != kVersion) {
    return absl::FailedPreconditionError(absl::StrCat("network record has schema version ",
                                                      doc.value("version", 0),
                                                      ", this netd understands ", kVersion));
  }
  try {
    NetworkRecord r;
    r.id = doc.at("id").get<std::string>();
    r.name = doc.at("name").get<std::string>();
    r.driver = doc.value("driver", "bridge");
    r.subnet = doc.at("subnet").get<std::string>();
    r.gateway = doc.at("gateway").get<std::string>();
    r.ip_range = doc.value("ip_range", "");
    r.bridge = doc.at("bridge").get<std::string>();
    r.internal = doc.value("internal", false);
    r.attachable = doc.value("attachable", false);
    r.mtu = doc.value("mtu", 0);
    r.labels = doc.value("labels", std::map<std::string, std::string>{});
    r.options = doc.value("options", std::map<std::string, std::string>{});
    r.created = doc.value("created", "");
    return r;
  } catch (const nlohmann::json::exception& e) {
    return absl::DataLossError(absl::StrCat("network record: ", e.what()));
  }
}

absl::Status NetworkStore::Put(const NetworkRecord& record) {
  BERTH_RETURN_IF_ERROR(fs::MakeDirs(dir_, 0700));
  return fs::WriteFileAtomically(absl::StrCat(dir_, "/", record.id, kSuffix), ToJson(record),
                                 0600);
}

absl::Status NetworkStore::Delete(const std::string& id) {
  std::string path = absl::StrCat(dir_, "/", id, kSuffix);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return ErrnoToStatus(errno, absl::StrCat("remove '", path, "'"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<NetworkRecord>> NetworkStore::LoadAll() const {
  std::vector<NetworkRecord> records;
  std::error_code ec;
  std::filesystem::directory_iterator it(dir_, ec);
  if (ec == std::errc::no_such_file_or_directory) return records;
  if (ec) return ErrnoToStatus(ec.value(), absl::StrCat("list '", dir_, "'"));
  for (const auto& entry : it) {
    std::string name = entry.path().filename().string();
    if (!absl::EndsWith(name, kSuffix)) continue;  // temp files of an interrupted write
    BERTH_ASSIGN_OR_RETURN(std::string content, fs::ReadFile(entry.path().string()));
    auto record = FromJson(content);
    if (!record.ok()) return Annotate(record.status(), entry.path().string());
    records.push_back(std::move(*record));
  }
  std::sort(records.begin(), records.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  return records;
}

}  // namespace berth::netd
