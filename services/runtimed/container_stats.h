// One read of a running container's resource usage: its cgroup (through the
// cgroup driver of this host's layout) and the network counters of its
// namespace, read from /proc/<init pid>/net/dev — no setns, which would be
// unsafe in multithreaded runtimed. Called without the manager's lock.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "berth/v1/types.pb.h"

namespace berth::runtimed {

// /proc/<pid>/net/dev → one entry per interface, loopback left out (Docker
// reports the container's endpoints only).
std::vector<v1::NetworkStats> ParseNetDev(const std::string& text);
// The host's CPU time in nanoseconds from the "cpu" line of /proc/stat, as
// dockerd sums it (user nice system idle iowait irq softirq).
uint64_t SystemCpuNs(const std::string& proc_stat, long ticks_per_second);
// MemTotal of /proc/meminfo in bytes (0 when absent).
uint64_t MemTotalBytes(const std::string& meminfo);

// The container's own figures (cgroup `<parent>/<id>` and its netns's
// counters); memory_limit is the cgroup's (0 = none). running=false and
// zeros when it is not running. What the metrics scrape reads per container.
absl::StatusOr<v1::ContainerStats> ReadContainerUsage(const v1::Container& record,
                                                      const std::string& cgroup_parent = "berth");
// ReadContainerUsage plus the host figures `docker stats` computes with
// (system CPU time, online CPUs) and dockerd's memory limit: the machine's
// memory when the container has none.
absl::StatusOr<v1::ContainerStats> ReadContainerStats(const v1::Container& record,
                                                      const std::string& cgroup_parent = "berth");

}  // namespace berth::runtimed
