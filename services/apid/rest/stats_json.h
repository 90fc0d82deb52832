#pragma once

// berth.v1.ContainerStats → Docker's stats JSON (GET /containers/{id}/stats),
// key for key, so the docker CLI computes the same percentages it computes
// against dockerd: cpu_stats/precpu_stats (total, per-cpu, kernel/user,
// system_cpu_usage, online_cpus, throttling_data), memory_stats (usage,
// max_usage, limit, failcnt and memory.stat as `stats`, where the CLI finds
// cache / total_inactive_file / inactive_file), pids_stats, blkio_stats and
// networks.

#include <string>

#include "berth/v1/types.pb.h"

namespace berth::apid::rest {

// `previous` is the read before `current` (precpu_stats and preread), or
// null for a first read (zeros and Go's zero time, as dockerd sends).
std::string StatsJson(const v1::ContainerStats& current, const v1::ContainerStats* previous);

}  // namespace berth::apid::rest
