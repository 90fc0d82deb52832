#include "services/runtimed/spec/runtimes.h"

#include <unistd.h>

#include "absl/strings/str_cat.h"

namespace berth::runtimed::spec {
namespace {

bool Executable(const std::string& path) { return !path.empty() && access(path.c_str(), X_OK) == 0; }

}  // namespace

absl::Status ValidateRuntime(const std::string& name, const HostFacts& host) {
  if (name.empty() || name == kBerthRuntime) return absl::OkStatus();
  if (name == kRuncRuntime && Executable(host.runc_binary)) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("unknown or invalid runtime name: ", name));
}

bool UsesRunc(const std::string& name) { return name == kRuncRuntime; }

v1::RuntimeInfoResponse DescribeRuntimes(const HostFacts& host) {
  v1::RuntimeInfoResponse info;
  v1::RuntimeDescription* berth = info.add_runtimes();
  berth->set_name(kBerthRuntime);
  berth->set_path("berth-shim");
  if (Executable(host.runc_binary)) {
    v1::RuntimeDescription* runc = info.add_runtimes();
    runc->set_name(kRuncRuntime);
    runc->set_path(host.runc_binary);
  }
  if (Executable(host.init_binary)) info.set_init_binary(host.init_binary);
  info.set_default_runtime(kBerthRuntime);
  return info;
}

}  // namespace berth::runtimed::spec
