#include "services/netd/endpoint_store.h"

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

const InterfaceRecord* EndpointRecord::InterfaceOn(const std::string& network_id) const {
  for (const InterfaceRecord& iface : interfaces) {
    if (iface.network_id == network_id) return &iface;
  }
  return nullptr;
}

const InterfaceRecord& EndpointRecord::primary() const {
  static const InterfaceRecord* const kNone = new InterfaceRecord();
  return interfaces.empty() ? *kNone : interfaces.front();
}

std::string EndpointStore::PathFor(const std::string& container_id) const {
  return absl::StrCat(dir_, "/", container_id, kSuffix);
}

std::string EndpointStore::ToJson(const EndpointRecord& r) {
  nlohmann::json ports = nlohmann::json::array();
  for (const ports::PortSpec& p : r.ports) {
    ports.push_back({{"protocol", p.protocol},
                     {"host_ip", p.host_ip},
                     {"host_port", p.host_port},
                     {"container_port", p.container_port}});
  }
  nlohmann::json interfaces = nlohmann::json::array();
  for (const InterfaceRecord& i : r.interfaces) {
    interfaces.push_back({{"network_id", i.network_id},
                          {"network_name", i.network_name},
                          {"ifname", i.ifname},
                          {"endpoint_id", i.endpoint_id},
                          {"aliases", i.aliases},
                          {"ip_address", i.ip_address},
                          {"prefix_len", i.prefix_len},
                          {"gateway", i.gateway},
                          {"default_route", i.default_route},
                          {"mac_address", i.mac_address},
                          {"host_veth", i.host_veth}});
  }
  nlohmann::json doc = {
      {"version", kVersion},
      {"container_id", r.container_id},
      {"container_name", r.container_name},
      {"hostname", r.hostname},
      {"mode", r.mode},
      {"state", r.state == EndpointState::kActive ? "active" : "creating"},
      {"netns_path", r.netns_path},
      {"interfaces", interfaces},
      {"ports", ports},
  };
  if (!r.joined.empty()) doc["joined"] = r.joined;
  if (!(r.dns == DnsSettings{})) {
    doc["dns"] = {{"servers", r.dns.servers}, {"search", r.dns.search}, {"options", r.dns.options}};
  }
  if (!r.extra_hosts.empty()) {
    nlohmann::json hosts = nlohmann::json::array();
    for (const HostEntry& h : r.extra_hosts) hosts.push_back({{"ip", h.ip}, {"names", h.names}});
    doc["extra_hosts"] = hosts;
  }
  if (!r.dns_links.empty()) {
    nlohmann::json links = nlohmann::json::array();
    for (const EndpointRecord::DnsLink& l : r.dns_links) {
      links.push_back({{"container_id", l.container_id}, {"alias", l.alias}});
    }
    doc["dns_links"] = links;
  }
  return doc.dump(2) + "\n";
}

absl::StatusOr<EndpointRecord> EndpointStore::FromJson(const std::string& json) {
  nlohmann::json doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return absl::DataLossError("endpoint record is not a JSON object");
  }
  if (doc.value("version", 0) != kVersion) {
    return absl::FailedPreconditionError(absl::StrCat("endpoint record has schema version ",
                                                      doc.value("version", 0),
                                                      ", this netd understands ", kVersion));
  }
  // nlohmann throws on type mismatches; the exception stops here.
  try {
    EndpointRecord r;
    r.container_id = doc.at("container_id").get<std::string>();
    r.container_name = doc.value("container_name", "");
    r.hostname = doc.value("hostname", "");
    r.mode = doc.at("mode").get<std::string>();
    r.state =
        doc.value("state", "") == "active" ? EndpointState::kActive : EndpointState::kCreating;
    r.netns_path = doc.value("netns_path", "");
    auto read_interface = [](const nlohmann::json& j) {
      InterfaceRecord i;
      i.network_id = j.value("network_id", "");
      i.network_name = j.value("network_name", "bridge");
      i.ifname = j.value("ifname", "eth0");
      i.endpoint_id = j.value("endpoint_id", "");
      i.aliases = j.value("aliases", std::vector<std::string>{});
      i.ip_address = j.value("ip_address", "");
      i.prefix_len = j.value("prefix_len", 0);
      i.gateway = j.value("gateway", "");
      // Old flat records always had the default route on their one interface.
      i.default_route = j.value("default_route", !i.gateway.empty());
      i.mac_address = j.value("mac_address", "");
      i.host_veth = j.value("host_veth", "");
      return i;
    };
    if (doc.contains("interfaces")) {
      for (const nlohmann::json& j : doc.at("interfaces")) {
        r.interfaces.push_back(read_interface(j));
      }
    } else if (!doc.value("ip_address", "").empty()) {
      // Records written before user networks existed: one interface, on the
      // default bridge, with its fields at the top level.
      r.interfaces.push_back(read_interface(doc));
    }
    for (const nlohmann::json& p : doc.value("ports", nlohmann::json::array())) {
      r.ports.push_back({p.at("protocol").get<std::string>(), p.at("host_ip").get<std::string>(),
                         p.at("host_port").get<uint16_t>(),
                         p.at("container_port").get<uint16_t>()});
    }
    r.joined = doc.value("joined", "");
    if (doc.contains("dns")) {
      const nlohmann::json& d = doc.at("dns");
      r.dns.servers = d.value("servers", std::vector<std::string>{});
      r.dns.search = d.value("search", std::vector<std::string>{});
      r.dns.options = d.value("options", std::vector<std::string>{});
    }
    for (const nlohmann::json& h : doc.value("extra_hosts", nlohmann::json::array())) {
      r.extra_hosts.push_back({h.at("ip").get<std::string>(), h.at("names").get<std::string>()});
    }
    for (const nlohmann::json& l : doc.value("dns_links", nlohmann::json::array())) {
      r.dns_links.push_back(
          {l.at("container_id").get<std::string>(), l.at("alias").get<std::string>()});
    }
    return r;
  } catch (const nlohmann::json::exception& e) {
    return absl::DataLossError(absl::StrCat("endpoint record: ", e.what()));
  }
}

absl::Status EndpointStore::Put(const EndpointRecord& record) {
  BERTH_RETURN_IF_ERROR(fs::MakeDirs(dir_, 0700));
  return fs::WriteFileAtomically(PathFor(record.container_id), ToJson(record), 0600);
}

absl::Status EndpointStore::Delete(const std::string& container_id) {
  std::string path = PathFor(container_id);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return ErrnoToStatus(errno, absl::StrCat("remove '", path, "'"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<EndpointRecord>> EndpointStore::LoadAll() const {
  std::vector<EndpointRecord> records;
  std::error_code ec;
  std::filesystem::directory_iterator it(dir_, ec);
  if (ec == std::errc::no_such_file_or_directory) return records;
  if (ec) return ErrnoToStatus(ec.value(), absl::StrCat("list '", dir_, "'"));
  for (const auto& entry : it) {
    std::string name = entry.path().filename().string();
    // Temp files of an interrupted WriteFileAtomically end in ".tmp.<pid>".
    if (!absl::EndsWith(name, kSuffix)) continue;
    BERTH_ASSIGN_OR_RETURN(std::string content, fs::ReadFile(entry.path().string()));
    auto record = FromJson(content);
    if (!record.ok()) return Annotate(record.status(), entry.path().string());
    records.push_back(std::move(*record));
  }
  std::sort(records.begin(), records.end(),
            [](const auto& a, const auto& b) { return a.container_id < b.container_id; });
  return records;
}

}  // namespace berth::netd
