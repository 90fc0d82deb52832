#include "cli/format.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <tuple>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status/start_exit_code.h"

namespace berth::cli {
namespace {

// docker's tabwriter settings: minwidth 10, padding 3.
constexpr size_t kMinColumnWidth = 10;
constexpr size_t kColumnPadding = 3;

// Number of UTF-8 code points: tabwriter aligns by runes, and our cells can
// hold "…" (three bytes, one column).
size_t DisplayWidth(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) {
      ++n;
    }
  }
  return n;
}

// The first `n` code points of `s`.
std::string TruncateRunes(const std::string& s, size_t n) {
  size_t seen = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (seen == n) {
        return s.substr(0, i);
      }
      ++seen;
    }
  }
  return s;
}

// Go's strconv.Quote for the characters a command line realistically holds.
std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += absl::StrFormat("\\x%02x", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += "\"";
  return out;
}

// A port number or an inclusive range "a-b". `allow_zero` admits the single
// value 0 (an ephemeral host port).
absl::StatusOr<std::pair<uint32_t, uint32_t>> ParsePortRange(const std::string& text,
                                                             bool allow_zero,
                                                             const std::string& spec) {
  auto parse_one = [&](const std::string& p) -> absl::StatusOr<uint32_t> {
    uint32_t value = 0;
    if (p.empty() || !std::all_of(p.begin(), p.end(), absl::ascii_isdigit) ||
        !absl::SimpleAtoi(p, &value) || value > 65535) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid port '", p, "' in publish spec '", spec, "'"));
    }
    return value;
  };
  std::vector<std::string> ends = absl::StrSplit(text, '-');
  if (ends.size() > 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid port range '", text, "' in publish spec '", spec, "'"));
  }
  auto first = parse_one(ends[0]);
  if (!first.ok()) {
    return first.status();
  }
  uint32_t last = *first;
  if (ends.size() == 2) {
    auto second = parse_one(ends[1]);
    if (!second.ok()) {
      return second.status();
    }
    last = *second;
    if (last < *first || *first == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid port range '", text, "' in publish spec '", spec, "'"));
    }
  }
  if (*first == 0 && !allow_zero) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid port '0' in publish spec '", spec, "'"));
  }
  return std::make_pair(*first, last);
}

bool IsIpAddress(const std::string& ip) {
  unsigned char buf[16];
  return inet_pton(AF_INET, ip.c_str(), buf) == 1 || inet_pton(AF_INET6, ip.c_str(), buf) == 1;
}

}  // namespace

std::string GrpcTarget(const std::string& host) {
  if (absl::StartsWith(host, "tcp://")) {
    return host.substr(6);
  }
  if (absl::StartsWith(host, "/")) {
    return "unix://" + host;
  }
  return host;
}

std::string FormatTable(const std::vector<std::vector<std::string>>& rows) {
  if (rows.empty()) {
    return "";
  }
  size_t columns = 0;
  for (const auto& row : rows) {
    columns = std::max(columns, row.size());
  }
  std::vector<size_t> widths(columns, kMinColumnWidth);
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], DisplayWidth(row[i]) + kColumnPadding);
    }
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < columns; ++i) {
      const std::string cell = i < row.size() ? row[i] : "";
      line += cell;
      if (i + 1 < columns) {
        line.append(widths[i] - DisplayWidth(cell), ' ');
      }
    }
    // tabwriter never leaves trailing blanks when the last cell is empty.
    line.erase(line.find_last_not_of(' ') + 1);
    out += line;
    out += '\n';
  }
  return out;
}

namespace {

// Scales `bytes` down by `base` until it fits the largest fitting unit and
// prints it with `digits` significant digits ("%.<digits>g") and the unit.
std::string ScaledSize(int64_t bytes, double base, const char* const (&units)[7], int digits) {
  double size = static_cast<double>(bytes);
  size_t unit = 0;
  while (size >= base && unit + 1 < std::size(units)) {
    size /= base;
    ++unit;
  }
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*g%s", digits, size, units[unit]);
  return buf;
}

}  // namespace

std::string HumanSize(int64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
  return ScaledSize(bytes, 1000.0, kUnits, 3);
}

std::string BinarySize(int64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  return ScaledSize(bytes, 1024.0, kUnits, 4);
}

std::string TimeAgo(absl::Time then, absl::Time now) {
  if (then == absl::UnixEpoch()) {
    return "N/A";
  }
  return absl::StrCat(HumanDuration(now - then), " ago");
}

std::string FormatLogTimestamp(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E9SZ", t, absl::UTCTimeZone());
}

absl::StatusOr<absl::Time> ParseTimeArgument(const std::string& text, absl::Time now) {
  absl::Duration back;
  if (!text.empty() && absl::ascii_isalpha(static_cast<unsigned char>(text.back())) &&
      absl::ParseDuration(text, &back)) {
    if (back < absl::ZeroDuration()) {
      return absl::InvalidArgumentError(absl::StrCat("negative duration '", text, "'"));
    }
    return now - back;
  }
  absl::Time t;
  std::string err;
  if (absl::ParseTime(absl::RFC3339_full, text, &t, &err)) return t;
  if (absl::ParseTime("%Y-%m-%d", text, absl::UTCTimeZone(), &t, &err)) return t;
  absl::string_view seconds = text, fraction;
  if (size_t dot = text.find('.'); dot != std::string::npos) {
    seconds = absl::string_view(text).substr(0, dot);
    fraction = absl::string_view(text).substr(dot + 1);
  }
  int64_t whole = 0;
  auto digits = [](absl::string_view s) {
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return absl::ascii_isdigit(static_cast<unsigned char>(c)); });
  };
  const bool has_dot = seconds.size() != text.size();
  if (!seconds.empty() && digits(seconds) && digits(fraction) && fraction.size() <= 9 &&
      (!has_dot || !fraction.empty()) &&
      absl::SimpleAtoi(seconds, &whole)) {
    int64_t nanos = 0;
    if (!fraction.empty()) {
      std::string padded(fraction);
      padded.resize(9, '0');
      absl::SimpleAtoi(padded, &nanos);
    }
    return absl::FromUnixSeconds(whole) + absl::Nanoseconds(nanos);
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "invalid time '", text,
      "': want Unix seconds, RFC 3339, a date (YYYY-MM-DD) or a duration such as 10m"));
}

std::string FormatContainerStatus(const StatusView& status, absl::Time now) {
  switch (status.phase) {
    case ContainerPhase::kRunning:
      if (status.health == "starting") {
        return absl::StrCat("Up ", HumanDuration(now - status.started_at), " (health: starting)");
      }
      if (!status.health.empty()) {
        return absl::StrCat("Up ", HumanDuration(now - status.started_at), " (", status.health,
                            ")");
      }
      return absl::StrCat("Up ", HumanDuration(now - status.started_at));
    case ContainerPhase::kPaused:
      return absl::StrCat("Up ", HumanDuration(now - status.started_at), " (Paused)");
    case ContainerPhase::kRestarting:
      return absl::StrFormat("Restarting (%d) %s ago", status.exit_code,
                             HumanDuration(now - status.finished_at));
    case ContainerPhase::kRemoving:
      return "Removal In Progress";
    case ContainerPhase::kDead:
      return "Dead";
    case ContainerPhase::kCreated:
      return "Created";
    case ContainerPhase::kExited:
      if (status.started_at == absl::UnixEpoch()) {
        return "Created";
      }
      if (status.finished_at == absl::UnixEpoch()) {
        return absl::StrFormat("Exited (%d)", status.exit_code);
      }
      return absl::StrFormat("Exited (%d) %s ago", status.exit_code,
                             HumanDuration(now - status.finished_at));
    case ContainerPhase::kUnknown:
      break;
  }
  return "Unknown";
}

std::string FormatCommand(const std::vector<std::string>& path_and_args, bool no_trunc) {
  // Like dockerd's container list: arguments holding a space are shown in
  // single quotes, so `sh -c 'exit 3'` reads back as typed.
  std::vector<std::string> words;
  for (const std::string& word : path_and_args) {
    words.push_back(word.find(' ') != std::string::npos ? absl::StrCat("'", word, "'") : word);
  }
  std::string command = absl::StrJoin(words, " ");
  constexpr size_t kMaxWidth = 20;
  if (!no_trunc && DisplayWidth(command) > kMaxWidth) {
    command = TruncateRunes(command, kMaxWidth - 1) + "…";
  }
  return Quote(command);
}

std::string ShortId(const std::string& id) {
  std::string hex = id;
  if (absl::StartsWith(hex, "sha256:")) {
    hex = hex.substr(7);
  }
  return hex.substr(0, 12);
}

std::pair<std::string, std::string> SplitRepoTag(const std::string& reference) {
  if (size_t at = reference.find('@'); at != std::string::npos) {
    return {reference.substr(0, at), "<none>"};
  }
  const size_t slash = reference.rfind('/');
  const size_t colon = reference.rfind(':');
  if (colon == std::string::npos || (slash != std::string::npos && colon < slash)) {
    return {reference, "<none>"};
  }
  return {reference.substr(0, colon), reference.substr(colon + 1)};
}

std::string ReindentJson(const std::string& json, int base, int width) {
  std::string out;
  for (absl::string_view line : absl::StrSplit(json, '\n')) {
    if (!out.empty()) {
      out += '\n';
    }
    const size_t depth = std::min(line.find_first_not_of(' '), line.size());
    out.append(base + depth * width, ' ');
    out.append(line.data() + depth, line.size() - depth);
  }
  return out;
}

absl::StatusOr<std::vector<PortMapping>> ParsePortSpec(const std::string& spec) {
  std::string rest = spec;
  std::string protocol = "tcp";
  if (size_t slash = rest.rfind('/'); slash != std::string::npos) {
    protocol = absl::AsciiStrToLower(rest.substr(slash + 1));
    rest = rest.substr(0, slash);
    if (protocol != "tcp" && protocol != "udp") {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid protocol '", protocol, "' in publish spec '", spec,
                       "' (want tcp or udp)"));
    }
  }
  // Split like docker: the last part is the container port, the one before it
  // the host port, and everything before that (colons included, for IPv6) the
  // host address.
  std::vector<std::string> parts = absl::StrSplit(rest, ':');
  std::string host_ip;
  std::string host_ports;
  const std::string container_ports = parts.back();
  if (parts.size() >= 2) {
    host_ports = parts[parts.size() - 2];
  }
  if (parts.size() >= 3) {
    host_ip = absl::StrJoin(parts.begin(), parts.end() - 2, ":");
    if (absl::StartsWith(host_ip, "[") && absl::EndsWith(host_ip, "]")) {
      host_ip = host_ip.substr(1, host_ip.size() - 2);
    }
    if (!host_ip.empty() && !IsIpAddress(host_ip)) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid IP address '", host_ip, "' in publish spec '", spec, "'"));
    }
  }
  if (container_ports.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("no container port in publish spec '", spec, "'"));
  }
  auto container_range = ParsePortRange(container_ports, /*allow_zero=*/false, spec);
  if (!container_range.ok()) {
    return container_range.status();
  }
  const uint32_t count = container_range->second - container_range->first + 1;
  std::pair<uint32_t, uint32_t> host_range{0, 0};
  if (!host_ports.empty()) {
    auto parsed = ParsePortRange(host_ports, /*allow_zero=*/true, spec);
    if (!parsed.ok()) {
      return parsed.status();
    }
    host_range = *parsed;
    // A host range for one container port: the daemon picks a free port of
    // it (as docker); otherwise the ranges map port by port.
    if (count == 1 && host_range.first != 0 && host_range.second > host_range.first) {
      PortMapping m;
      m.container_port = container_range->first;
      m.protocol = protocol;
      m.host_ip = host_ip;
      m.host_port = host_range.first;
      m.host_port_end = host_range.second;
      return std::vector<PortMapping>{m};
    }
    if (host_range.second - host_range.first + 1 != count) {
      return absl::InvalidArgumentError(absl::StrCat(
          "host and container port ranges differ in length in publish spec '", spec, "'"));
    }
  }
  std::vector<PortMapping> mappings;
  for (uint32_t i = 0; i < count; ++i) {
    PortMapping m;
    m.container_port = container_range->first + i;
    m.protocol = protocol;
    m.host_ip = host_ip;
    m.host_port = host_range.first == 0 ? 0 : host_range.first + i;
    mappings.push_back(std::move(m));
  }
  return mappings;
}

std::string FormatPort(const PortMapping& port) {
  const std::string target = absl::StrCat(port.container_port, "/", port.protocol);
  if (port.host_port == 0) {
    return target;
  }
  std::string ip = port.host_ip.empty() ? "0.0.0.0" : port.host_ip;
  if (absl::StrContains(ip, ':')) {
    ip = absl::StrCat("[", ip, "]");
  }
  return absl::StrCat(ip, ":", port.host_port, "->", target);
}

std::string FormatPorts(std::vector<PortMapping> ports) {
  std::sort(ports.begin(), ports.end(), [](const PortMapping& a, const PortMapping& b) {
    return std::tie(a.container_port, a.protocol, a.host_ip, a.host_port) <
           std::tie(b.container_port, b.protocol, b.host_ip, b.host_port);
  });
  std::vector<std::string> formatted;
  for (const auto& p : ports) {
    formatted.push_back(FormatPort(p));
  }
  return absl::StrJoin(formatted, ", ");
}

absl::StatusOr<std::string> ParseEnvFlag(
    const std::string& value,
    const std::function<std::optional<std::string>(const std::string&)>& lookup) {
  const size_t eq = value.find('=');
  const std::string name = value.substr(0, eq);
  if (name.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("invalid environment variable: '", value, "'"));
  }
  if (name.find_first_of(" \t\n\r\v\f") != std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("environment variable name '", name, "' contains whitespace"));
  }
  if (eq != std::string::npos) {
    return value;
  }
  if (auto v = lookup(name); v.has_value()) {
    return absl::StrCat(name, "=", *v);
  }
  return value;
}

int ExitCodeForStartError(const std::string& message) {
  return StartFailureExitCode(message);
}

}  // namespace berth::cli
