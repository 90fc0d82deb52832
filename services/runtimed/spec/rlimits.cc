#include "services/runtimed/spec/rlimits.h"

#include <sys/resource.h>

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"

namespace berth::runtimed::spec {
namespace {

constexpr uint64_t kDefaultNofile = 1048576;

std::string Show(uint64_t v) {
  return v == RLIM_INFINITY ? std::string("unlimited") : absl::StrCat(v);
}

}  // namespace

int RlimitResource(const std::string& name) {
  static const auto* kResources = new std::map<std::string, int>{
      {"as", RLIMIT_AS},           {"core", RLIMIT_CORE},         {"cpu", RLIMIT_CPU},
      {"data", RLIMIT_DATA},       {"fsize", RLIMIT_FSIZE},       {"locks", RLIMIT_LOCKS},
      {"memlock", RLIMIT_MEMLOCK}, {"msgqueue", RLIMIT_MSGQUEUE}, {"nice", RLIMIT_NICE},
      {"nofile", RLIMIT_NOFILE},   {"nproc", RLIMIT_NPROC},       {"rss", RLIMIT_RSS},
      {"rtprio", RLIMIT_RTPRIO},   {"rttime", RLIMIT_RTTIME},     {"sigpending", RLIMIT_SIGPENDING},
      {"stack", RLIMIT_STACK}};
  auto it = kResources->find(name);
  return it == kResources->end() ? -1 : it->second;
}

uint64_t CurrentHardLimit(int resource) {
  rlimit r{};
  if (getrlimit(resource, &r) != 0) return RLIM_INFINITY;
  return r.rlim_max;
}

absl::StatusOr<std::vector<Rlimit>> ResolveRlimits(const std::vector<Rlimit>& requested,
                                                   HostHardLimit host_hard) {
  uint64_t nofile_max = host_hard(RLIMIT_NOFILE);
  uint64_t nofile = std::min(kDefaultNofile, nofile_max);
  std::vector<Rlimit> out = {Rlimit{"nofile", nofile, nofile}};
  for (const Rlimit& r : requested) {
    int resource = RlimitResource(r.name);
    if (resource < 0) return absl::InvalidArgumentError("invalid ulimit type: " + r.name);
    // A value of -1 on the wire arrives as RLIM_INFINITY (unlimited).
    if (r.soft > r.hard) {
      return absl::InvalidArgumentError(absl::StrCat("ulimit soft limit must be less than or ",
                                                     "equal to hard limit: ", Show(r.soft), " > ",
                                                     Show(r.hard)));
    }
    uint64_t max = host_hard(resource);
    if (r.hard > max) {
      return absl::InvalidArgumentError(absl::StrCat(
          "ulimit ", r.name, "=", Show(r.soft), ":", Show(r.hard),
          " is above this host's hard limit ", Show(max),
          " (raising a hard limit needs CAP_SYS_RESOURCE, which the engine does not have)"));
    }
    auto same = std::find_if(out.begin(), out.end(), [&](const Rlimit& o) { return o.name == r.name; });
    if (same != out.end()) {
      *same = r;
    } else {
      out.push_back(r);
    }
  }
  return out;
}

}  // namespace berth::runtimed::spec
