#include "services/netd/ipam/lease_store.h"

#include <unistd.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "common/fs/fs.h"
#include "common/status/status.h"
#include "nlohmann/json.hpp"

namespace berth::netd::ipam {
namespace {

constexpr int kVersion = 1;

absl::Status Corrupt(const std::string& path, const std::string& why) {
  return absl::DataLossError(absl::StrCat("lease file '", path, "' is corrupt: ", why));
}

}  // namespace

absl::Status LeaseStore::Delete() const {
  if (::unlink(path_.c_str()) != 0 && errno != ENOENT) {
    return ErrnoToStatus(errno, absl::StrCat("remove '", path_, "'"));
  }
  return absl::OkStatus();
}

absl::StatusOr<AddressPool> LeaseStore::Load(AddressPool empty) const {
  AddressPool pool = std::move(empty);
  const Ipv4Subnet subnet = pool.subnet();
  auto content = fs::ReadFile(path_);
  if (absl::IsNotFound(content.status())) return pool;
  if (!content.ok()) return content.status();

  nlohmann::json doc = nlohmann::json::parse(*content, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return Corrupt(path_, "not a JSON object");
  if (doc.value("version", 0) != kVersion) {
    return absl::FailedPreconditionError(
        absl::StrCat("lease file '", path_, "' has schema version ", doc.value("version", 0),
                     ", this netd understands ", kVersion));
  }
  const nlohmann::json& leases = doc["leases"];
  if (!leases.is_object()) return Corrupt(path_, "\"leases\" is not an object");
  std::string stored_subnet = doc.value("subnet", "");
  if (stored_subnet != subnet.ToString()) {
    if (leases.empty()) return pool;
    return absl::FailedPreconditionError(
        absl::StrCat("lease file '", path_, "' holds ", leases.size(), " leases in subnet ",
                     stored_subnet, " but the configured subnet is ", subnet.ToString(),
                     "; detach those containers or keep the old --subnet"));
  }
  for (const auto& [ip_text, owner] : leases.items()) {
    auto ip = ParseIpv4(ip_text);
    if (!ip.ok() || !owner.is_string()) return Corrupt(path_, "bad lease '" + ip_text + "'");
    BERTH_RETURN_IF_ERROR(Annotate(pool.Reserve(*ip, owner.get<std::string>()),
                                   absl::StrCat("lease file '", path_, "'")));
  }
  if (auto next = ParseIpv4(doc.value("next", "")); next.ok()) pool.set_next(*next);
  return pool;
}

absl::Status LeaseStore::Save(const AddressPool& pool) const {
  nlohmann::json leases = nlohmann::json::object();
  for (const auto& [ip, owner] : pool.leases()) leases[FormatIpv4(ip)] = owner;
  nlohmann::json doc = {{"version", kVersion},
                        {"subnet", pool.subnet().ToString()},
                        {"next", FormatIpv4(pool.next())},
                        {"leases", leases}};
  return fs::WriteFileAtomically(path_, doc.dump(2) + "\n", 0600);
}

}  // namespace berth::netd::ipam
