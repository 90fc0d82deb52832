#include "services/apid/rest/resources_json.h"

#include <set>
#include <string>

#include "services/apid/rest/json_fields.h"

namespace berth::apid::rest {
namespace {

using Json = nlohmann::json;
using Int64Setter = void (v1::Resources::*)(int64_t);

constexpr char kAt[] = "HostConfig.";

}  // namespace

bool IsResourcesHostConfigKey(const std::string& key) {
  static const auto* kKeys = new std::set<std::string>{
      "Memory",    "MemorySwap", "MemoryReservation", "KernelMemory", "NanoCpus",
      "CpuShares", "CpuPeriod",  "CpuQuota",          "CpusetCpus",   "CpusetMems",
      "PidsLimit", "BlkioWeight", "OomKillDisable",   "ShmSize"};
  return kKeys->count(key) > 0;
}

absl::Status ParseResources(const Json& hc, v1::Resources* out) {
  if (!hc.is_object()) return absl::InvalidArgumentError("resources: expected an object");
  for (auto [key, setter] : {std::pair<const char*, Int64Setter>{"Memory", &v1::Resources::set_memory},
                             {"MemorySwap", &v1::Resources::set_memory_swap},
                             {"MemoryReservation", &v1::Resources::set_memory_reservation},
                             {"KernelMemory", &v1::Resources::set_kernel_memory},
                             {"NanoCpus", &v1::Resources::set_nano_cpus},
                             {"CpuShares", &v1::Resources::set_cpu_shares},
                             {"CpuPeriod", &v1::Resources::set_cpu_period},
                             {"CpuQuota", &v1::Resources::set_cpu_quota},
                             {"ShmSize", &v1::Resources::set_shm_size}}) {
    bool present = false;
    int64_t value = 0;
    if (absl::Status s = GetInt64(hc, key, &present, &value, kAt); !s.ok()) return s;
    if (present) (out->*setter)(value);
  }
  bool present = false;
  int64_t value = 0;
  if (absl::Status s = GetInt64(hc, "PidsLimit", &present, &value, kAt); !s.ok()) return s;
  // The docker CLI sends 0 when --pids-limit is not given: 0 keeps runtimed's
  // default pids limit; a negative value asks for none at all.
  if (present && value != 0) out->set_pids_limit(value < 0 ? -1 : value);
  if (absl::Status s = GetInt64(hc, "BlkioWeight", &present, &value, kAt); !s.ok()) return s;
  if (present) {
    if (value < 0 || value > 65535) {
      return WrongType("HostConfig.BlkioWeight", "an integer from 0 to 65535");
    }
    out->set_blkio_weight(static_cast<uint32_t>(value));
  }
  std::string text;
  if (absl::Status s = GetString(hc, "CpusetCpus", &text, kAt); !s.ok()) return s;
  out->set_cpuset_cpus(text);
  text.clear();
  if (absl::Status s = GetString(hc, "CpusetMems", &text, kAt); !s.ok()) return s;
  out->set_cpuset_mems(text);
  bool oom_kill_disable = false;
  if (absl::Status s = GetBool(hc, "OomKillDisable", &oom_kill_disable, kAt); !s.ok()) return s;
  out->set_oom_kill_disable(oom_kill_disable);
  return absl::OkStatus();
}

void WriteResources(const v1::Resources& in, nlohmann::ordered_json& hc) {
  hc["ShmSize"] = in.shm_size() > 0 ? in.shm_size() : int64_t{64} << 20;
  hc["CpuShares"] = in.cpu_shares();
  hc["Memory"] = in.memory();
  hc["NanoCpus"] = in.nano_cpus();
  hc["BlkioWeight"] = in.blkio_weight();
  hc["CpuPeriod"] = in.cpu_period();
  hc["CpuQuota"] = in.cpu_quota();
  hc["CpusetCpus"] = in.cpuset_cpus();
  hc["CpusetMems"] = in.cpuset_mems();
  hc["KernelMemory"] = in.kernel_memory();
  hc["MemoryReservation"] = in.memory_reservation();
  // dockerd reports the swap it applied: twice the memory when unset.
  hc["MemorySwap"] = in.memory() > 0 && in.memory_swap() == 0 ? in.memory() * 2 : in.memory_swap();
  hc["OomKillDisable"] = in.oom_kill_disable();
  hc["PidsLimit"] = in.pids_limit() == 0 ? nlohmann::ordered_json(nullptr)
                                         : nlohmann::ordered_json(in.pids_limit());
}

}  // namespace berth::apid::rest
