#pragma once

// Facts about the host for /version and /info, read once at startup. The
// parsers take file contents so they are unit-tested without the real files.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace berth::apid {

struct HostFacts {
  std::string hostname;
  std::string kernel_version;    // uname -r
  std::string architecture;      // uname -m ("x86_64")
  std::string go_arch;           // Docker's spelling ("amd64")
  std::string operating_system;  // os-release PRETTY_NAME
  std::string os_version;        // os-release VERSION_ID
  std::string cgroup_version;    // "1" or "2"
  int ncpu = 0;
  int64_t mem_total = 0;
};

// Reads uname, /etc/os-release, /proc/self/mountinfo and sysconf.
HostFacts ReadHostFacts();

// "2" when the only cgroup mount is cgroup2 on /sys/fs/cgroup, "1" when any
// cgroup (v1) hierarchy is mounted (the hybrid layout counts as v1, as in
// dockerd), "" when neither is found.
std::string ParseCgroupVersion(const std::string& mountinfo);

// The value of `key` in an os-release file, without quotes; "" if absent.
std::string OsReleaseValue(const std::string& os_release, const std::string& key);

// apid's state dir layout version, stamped in <state_dir>/VERSION. Version 1
// is the engine-id file; a change to what apid keeps there bumps it and adds a
// migration in OpenStateDir.
inline constexpr int kStateSchemaVersion = 1;

// Makes the state dir (0700) if missing and checks its version stamp (see
// common/fs/state_version.h); FailedPrecondition naming the dir when a
// different apid wrote it. Call before reading anything from the dir.
absl::Status OpenStateDir(const std::string& state_dir);

// The engine's stable ID (/info "ID"): read from <state_dir>/engine-id, made
// (random, written atomically) on first use. Errors from the state dir pass up.
absl::StatusOr<std::string> LoadOrCreateEngineId(const std::string& state_dir);

// Docker's GOARCH name for a uname machine ("x86_64" → "amd64").
std::string GoArch(const std::string& machine);

}  // namespace berth::apid
