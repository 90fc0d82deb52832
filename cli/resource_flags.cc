#include "cli/resource_flags.h"

#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/format/byte_size.h"

namespace berth::cli {
namespace {

absl::Status BadFlag(const std::string& value, const char* flag, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("invalid argument \"", value, "\" for \"", flag, "\" flag: ", why));
}

}  // namespace

absl::StatusOr<int64_t> ParseNanoCpus(const std::string& text) {
  double cpus = 0;
  if (!absl::SimpleAtod(text, &cpus) || !std::isfinite(cpus) || cpus < 0 || cpus > 1e6) {
    return absl::InvalidArgumentError(
        absl::StrCat("failed to parse ", text, " as a rational number"));
  }
  return static_cast<int64_t>(std::llround(cpus * 1e9));
}

absl::StatusOr<ResourcesSpec> BuildResourcesSpec(const ResourceFlags& f) {
  ResourcesSpec r;
  struct Size {
    const std::string& text;
    const char* flag;
    int64_t* out;
  };
  for (const Size& size : {Size{f.memory, "-m, --memory", &r.memory},
                           Size{f.memory_reservation, "--memory-reservation", &r.memory_reservation},
                           Size{f.shm_size, "--shm-size", &r.shm_size}}) {
    if (size.text.empty()) continue;
    absl::StatusOr<int64_t> bytes = format::ParseRamInBytes(size.text);
    if (!bytes.ok()) return BadFlag(size.text, size.flag, bytes.status().message());
    *size.out = *bytes;
  }
  if (f.memory_swap == "-1") {
    r.memory_swap = -1;
  } else if (!f.memory_swap.empty()) {
    absl::StatusOr<int64_t> bytes = format::ParseRamInBytes(f.memory_swap);
    if (!bytes.ok()) return BadFlag(f.memory_swap, "--memory-swap", bytes.status().message());
    r.memory_swap = *bytes;
  }
  if (!f.kernel_memory.empty()) {
    // Removed from the docker CLI in 23.0; the kernel no longer enforces it.
    return absl::InvalidArgumentError(
        "--kernel-memory is not supported: kernel memory limits were removed in Docker 23.0");
  }
  if (!f.cpus.empty()) {
    absl::StatusOr<int64_t> nano = ParseNanoCpus(f.cpus);
    if (!nano.ok()) return BadFlag(f.cpus, "--cpus", nano.status().message());
    r.nano_cpus = *nano;
  }
  r.cpu_shares = f.cpu_shares;
  r.cpu_period = f.cpu_period;
  r.cpu_quota = f.cpu_quota;
  r.cpuset_cpus = f.cpuset_cpus;
  r.cpuset_mems = f.cpuset_mems;
  // The docker CLI sends 0 or a negative value as "unlimited".
  if (f.pids_limit.has_value()) r.pids_limit = *f.pids_limit <= 0 ? -1 : *f.pids_limit;
  r.blkio_weight = f.blkio_weight;
  r.oom_kill_disable = f.oom_kill_disable;
  return r;
}

}  // namespace berth::cli
