// Pure text helpers of the `berth` CLI: tables, human-readable durations and
// sizes, port strings and the parsing of `-p` / `-e` values. Nothing here talks
// to the daemon or the terminal, so every function is unit-tested directly.
//
// The formats follow the docker CLI, because users (and their scripts) read
// Berth's output with Docker habits: `ps` columns, "Up 2 seconds",
// "Exited (3) 5 seconds ago", "4.2MB", "127.0.0.1:8080->80/tcp".
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/format/human_duration.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace berth::cli {

// ---------------------------------------------------------------------------
// Addresses

// The gRPC target for a `--host` value: "unix:///path" stays as is,
// "tcp://host:port" becomes "host:port", and a bare absolute path becomes
// "unix://" + path (docker users write all three forms).
std::string GrpcTarget(const std::string& host);

// ---------------------------------------------------------------------------
// Tables

// Lays out `rows` (the first row is the header) the way docker's tabwriter
// does: every column but the last is padded to max(widest cell + 3, 10)
// characters; the last column is not padded. Each line ends with '\n'. Rows
// shorter than the header are treated as if padded with empty cells.
std::string FormatTable(const std::vector<std::vector<std::string>>& rows);

// ---------------------------------------------------------------------------
// Durations, times and sizes

// Docker's HumanDuration, shared with apid's REST status texts.
using ::berth::format::HumanDuration;

// Docker's image size: three significant digits with decimal (1000-based)
// units: 0 -> "0B", 4200000 -> "4.2MB", 1236000 -> "1.24MB".
std::string HumanSize(int64_t bytes);

// "<HumanDuration(now - then)> ago"; "N/A" when `then` is the epoch (unset).
std::string TimeAgo(absl::Time then, absl::Time now);

// Docker's memory sizes (`info`): four significant digits with binary
// (1024-based) units: 25165824000 -> "23.44GiB".
std::string BinarySize(int64_t bytes);

// RFC 3339 with nine fraction digits in UTC, as `docker logs -t` prints:
// "2024-01-02T03:04:05.000000006Z".
std::string FormatLogTimestamp(absl::Time t);

// A --since/--until argument as the docker CLI takes it: Unix seconds with an
// optional fraction ("1700000000.5"), RFC 3339 ("2024-01-02T03:04:05Z"), a
// date ("2024-01-02", UTC midnight) or a duration back from `now` ("10m",
// "1h30m"). InvalidArgument otherwise.
absl::StatusOr<absl::Time> ParseTimeArgument(const std::string& text, absl::Time now);

// ---------------------------------------------------------------------------
// Containers

// The container states the CLI distinguishes (mirrors berth.v1.ContainerStatus
// without depending on the generated code).
enum class ContainerPhase {
  kUnknown,
  kCreated,
  kRunning,
  kPaused,
  kRestarting,
  kRemoving,
  kExited,
  kDead,
};

// What the STATUS column needs to know about a container.
struct StatusView {
  ContainerPhase phase = ContainerPhase::kUnknown;
  int exit_code = 0;
  absl::Time started_at = absl::UnixEpoch();   // epoch = never started
  absl::Time finished_at = absl::UnixEpoch();  // epoch = not finished
  std::string health;  // "starting", "healthy", "unhealthy"; "" = no healthcheck
};

// The STATUS column of `ps`: "Up 2 seconds", "Up 3 minutes (Paused)",
// "Exited (3) 5 seconds ago", "Restarting (1) 2 seconds ago", "Created",
// "Removal In Progress", "Dead"; a running container with a healthcheck
// adds " (healthy)", " (unhealthy)" or " (health: starting)".
std::string FormatContainerStatus(const StatusView& status, absl::Time now);

// The COMMAND column of `ps`: the words joined by spaces (a word holding a
// space in single quotes), cut to 20 characters
// (ending in "…") unless `no_trunc`, then double-quoted.
std::string FormatCommand(const std::vector<std::string>& path_and_args, bool no_trunc = false);

// The first 12 hex digits of an id, without a "sha256:" prefix.
std::string ShortId(const std::string& id);

// Splits "name[:tag]" into REPOSITORY and TAG for `images`. The tag separator
// is the last ':' after the last '/', so a registry port
// ("localhost:5000/app") is not taken for a tag; a missing tag is "<none>".
std::pair<std::string, std::string> SplitRepoTag(const std::string& reference);

// Re-indents pretty JSON as protobuf's MessageToJsonString prints it (one
// space per nesting level) to `width` spaces per level, every line shifted by
// `base` spaces, so `inspect` looks like docker's (4 per level, inside an
// array). Safe line by line: JSON strings cannot hold raw newlines.
std::string ReindentJson(const std::string& json, int base, int width);

// ---------------------------------------------------------------------------
// Ports

// One port mapping, as the CLI and the API see it (berth.v1.PortBinding).
struct PortMapping {
  uint32_t container_port = 0;
  std::string protocol = "tcp";  // "tcp" or "udp"
  std::string host_ip;           // "" = all addresses
  uint32_t host_port = 0;        // 0 = an ephemeral port picked by the daemon
  uint32_t host_port_end = 0;    // > host_port: the daemon takes a free one of the range

  bool operator==(const PortMapping&) const = default;
};

// Parses one `-p` value. Accepted forms (like docker):
//   80              container port, published on an ephemeral host port
//   8080:80         host port : container port
//   127.0.0.1:8080:80, 127.0.0.1::80, [::1]:8080:80
//   8000-8002:9000-9002  equal-length ranges (one mapping per port)
//   any of the above with "/tcp" or "/udp"
// InvalidArgument names the bad value otherwise.
absl::StatusOr<std::vector<PortMapping>> ParsePortSpec(const std::string& spec);

// "127.0.0.1:8080->80/tcp" for a published port ("0.0.0.0:" when host_ip is
// empty, "[::1]:" for IPv6), "80/tcp" for an unpublished one.
std::string FormatPort(const PortMapping& port);

// The PORTS column: every mapping formatted and joined with ", ", sorted by
// container port, protocol and host address so the output is stable.
std::string FormatPorts(std::vector<PortMapping> ports);

// ---------------------------------------------------------------------------
// Environment

// Parses one `-e` value. "K=V" is kept; a bare "K" takes the value of K from
// `lookup` (the client's environment) and stays a bare "K" when unset, as
// docker does. An empty name ("=V", "") is InvalidArgument.
absl::StatusOr<std::string> ParseEnvFlag(
    const std::string& value,
    const std::function<std::optional<std::string>(const std::string&)>& lookup);

// ---------------------------------------------------------------------------
// Exit codes

// The exit code of `run` when starting the container failed, derived from the
// daemon's message by the shared rule (common/status/start_exit_code.h).
int ExitCodeForStartError(const std::string& message);

}  // namespace berth::cli
