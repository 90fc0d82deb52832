// `berth run`'s resource flags (--memory, --cpus, --pids-limit, ...) → the
// numbers berth.v1.Resources carries, parsed as the docker CLI parses them:
// sizes in binary units ("32m", "1g", "512k", "100"), --cpus as a decimal
// count of CPUs, --memory-swap -1 for unlimited. The daemon (runtimed)
// validates the values themselves with dockerd's texts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"

namespace berth::cli {

struct ResourceFlags {
  std::string memory;              // --memory / -m
  std::string memory_swap;         // --memory-swap
  std::string memory_reservation;  // --memory-reservation
  std::string kernel_memory;       // --kernel-memory (refused)
  std::string cpus;                // --cpus
  int64_t cpu_shares = 0;          // --cpu-shares / -c
  int64_t cpu_period = 0;          // --cpu-period
  int64_t cpu_quota = 0;           // --cpu-quota
  std::string cpuset_cpus;         // --cpuset-cpus
  std::string cpuset_mems;         // --cpuset-mems
  std::optional<int64_t> pids_limit;  // --pids-limit (-1 unlimited)
  uint32_t blkio_weight = 0;       // --blkio-weight
  bool oom_kill_disable = false;   // --oom-kill-disable
  std::string shm_size;            // --shm-size
};

// Mirrors berth.v1.Resources.
struct ResourcesSpec {
  int64_t memory = 0;
  int64_t memory_swap = 0;
  int64_t memory_reservation = 0;
  int64_t nano_cpus = 0;
  int64_t cpu_shares = 0;
  int64_t cpu_period = 0;
  int64_t cpu_quota = 0;
  std::string cpuset_cpus;
  std::string cpuset_mems;
  int64_t pids_limit = 0;  // 0 = the daemon's default, -1 = unlimited
  uint32_t blkio_weight = 0;
  bool oom_kill_disable = false;
  int64_t shm_size = 0;
};

// "0.5" → 500000000. InvalidArgument for anything but a non-negative decimal.
absl::StatusOr<int64_t> ParseNanoCpus(const std::string& text);

// InvalidArgument naming the flag, in the docker CLI's words
// (invalid argument "x" for "-m, --memory" flag: ...).
absl::StatusOr<ResourcesSpec> BuildResourcesSpec(const ResourceFlags& flags);

}  // namespace berth::cli
