#include "services/runtimed/volumes/mount_spec.h"

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace berth::runtimed::volumes {
namespace {

const std::set<std::string>& Propagations() {
  static const auto* kSet =
      new std::set<std::string>{"private", "rprivate", "shared", "rshared", "slave", "rslave"};
  return *kSet;
}

absl::Status BadSpec(const std::string& spec) {
  return absl::InvalidArgumentError(absl::StrCat("invalid volume specification: '", spec, "'"));
}

absl::Status BadMount(const std::string& type, const std::string& why) {
  return absl::InvalidArgumentError(
      absl::StrCat("invalid mount config for type \"", type, "\": ", why));
}

// Applies the comma list of a bind spec's third field to `m`.
absl::Status ApplyBindMode(const std::string& spec, const std::string& mode, MountIntent& m) {
  bool rw_seen = false, label_seen = false, prop_seen = false, copy_seen = false;
  for (absl::string_view part : absl::StrSplit(mode, ',')) {
    std::string o(part);
    if (o == "ro" || o == "rw") {
      if (rw_seen) return BadSpec(spec);
      rw_seen = true;
      m.read_only = o == "ro";
    } else if (o == "z" || o == "Z") {
      if (label_seen) return BadSpec(spec);
      label_seen = true;
    } else if (Propagations().count(o) > 0) {
      if (prop_seen || m.type != "bind") return BadSpec(spec);
      prop_seen = true;
      m.propagation = o;
    } else if (o == "nocopy") {
      if (copy_seen || m.type != "volume") return BadSpec(spec);
      copy_seen = true;
      m.no_copy = true;
    } else if (o == "consistent" || o == "cached" || o == "delegated") {
      // macOS file sharing hints; nothing to do on Linux (dockerd ignores them too).
    } else {
      return BadSpec(spec);
    }
  }
  return absl::OkStatus();
}

}  // namespace

bool IsValidVolumeName(const std::string& name) {
  if (name.size() < 2 || !absl::ascii_isalnum(name[0])) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(c) && c != '_' && c != '.' && c != '-') return false;
  }
  return true;
}

absl::StatusOr<std::string> CleanDestination(const std::string& path, const std::string& what) {
  if (path.empty() || path[0] != '/') {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": mount path must be absolute: '", path, "'"));
  }
  std::vector<std::string> parts;
  for (absl::string_view p : absl::StrSplit(path, '/', absl::SkipEmpty())) {
    if (p == ".") continue;
    if (p == "..") {
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": mount path must not contain '..': '", path, "'"));
    }
    parts.emplace_back(p);
  }
  if (parts.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": destination can't be '/'"));
  }
  return absl::StrCat("/", absl::StrJoin(parts, "/"));
}

absl::StatusOr<MountIntent> ParseBind(const std::string& spec) {
  std::vector<std::string> parts = absl::StrSplit(spec, ':');
  if (parts.size() < 2 || parts.size() > 3 || parts[0].empty() || parts[1].empty()) {
    return BadSpec(spec);
  }
  MountIntent m;
  if (parts[0][0] == '/') {
    m.type = "bind";
    m.source = parts[0];
    m.propagation = "rprivate";
    m.create_host_dir = true;
  } else {
    if (!IsValidVolumeName(parts[0])) {
      return absl::InvalidArgumentError(absl::StrCat(
          "create ", parts[0],
          ": \"", parts[0], "\" includes invalid characters for a local volume name, only "
          "\"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, "
          "use absolute path"));
    }
    m.type = "volume";
    m.source = parts[0];
  }
  auto dest = CleanDestination(parts[1], absl::StrCat("invalid volume specification: '", spec, "'"));
  if (!dest.ok()) return dest.status();
  m.destination = *dest;
  if (parts.size() == 3) {
    m.mode = parts[2];
    absl::Status mode = ApplyBindMode(spec, parts[2], m);
    if (!mode.ok()) return mode;
  }
  return m;
}

absl::StatusOr<MountIntent> ParseTmpfs(const std::string& destination,
                                       const std::string& options) {
  MountIntent m;
  m.type = "tmpfs";
  auto dest = CleanDestination(destination, "invalid tmpfs specification");
  if (!dest.ok()) return dest.status();
  m.destination = *dest;
  // flag name -> (set when present, its opposite)
  std::map<std::string, bool> flags = {{"noexec", true}, {"nosuid", true}, {"nodev", true}};
  std::vector<std::string> data;
  for (absl::string_view part : absl::StrSplit(options, ',', absl::SkipEmpty())) {
    std::string o(absl::StripAsciiWhitespace(part));
    if (o == "ro" || o == "rw") {
      m.read_only = o == "ro";
    } else if (o == "exec" || o == "suid" || o == "dev") {
      flags["no" + o] = false;
    } else if (o == "noexec" || o == "nosuid" || o == "nodev") {
      flags[o] = true;
    } else if (absl::StartsWith(o, "size=") || absl::StartsWith(o, "mode=") ||
               absl::StartsWith(o, "uid=") || absl::StartsWith(o, "gid=") ||
               absl::StartsWith(o, "nr_inodes=") || absl::StartsWith(o, "nr_blocks=")) {
      std::string value = o.substr(o.find('=') + 1);
      if (value.empty()) {
        return absl::InvalidArgumentError(absl::StrCat("invalid tmpfs option '", o, "'"));
      }
      data.push_back(o);
    } else if (o == "noatime" || o == "relatime" || o == "strictatime") {
      data.push_back(o);
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid tmpfs option '", o, "' for '", destination, "'"));
    }
  }
  for (const auto& [flag, on] : flags) {
    if (on) m.tmpfs_options.push_back(flag);
  }
  if (m.read_only) m.tmpfs_options.push_back("ro");
  m.tmpfs_options.insert(m.tmpfs_options.end(), data.begin(), data.end());
  return m;
}

absl::StatusOr<MountIntent> FromMountRequest(const v1::MountRequest& r) {
  MountIntent m;
  m.type = r.type();
  m.read_only = r.read_only();
  if (m.type != "volume" && m.type != "bind" && m.type != "tmpfs") {
    return absl::InvalidArgumentError(
        m.type.empty() ? "invalid mount config: mount type must be set"
                       : absl::StrCat("mount type \"", m.type,
                                      "\" is not supported (volume, bind and tmpfs are)"));
  }
  if (r.target().empty()) return BadMount(m.type, "field Target must not be empty");
  auto dest = CleanDestination(r.target(), absl::StrCat("invalid mount config for type \"",
                                                        m.type, "\""));
  if (!dest.ok()) return dest.status();
  m.destination = *dest;
  if (m.type == "bind") {
    if (r.source().empty()) return BadMount("bind", "field Source must not be empty");
    if (r.source()[0] != '/') {
      return BadMount("bind", absl::StrCat("invalid mount path: '", r.source(),
                                           "' mount path must be absolute"));
    }
    if (r.no_copy() || !r.volume_labels().empty()) {
      return BadMount("bind", "field VolumeOptions must not be specified");
    }
    if (r.tmpfs_size() != 0 || r.tmpfs_mode() != 0) {
      return BadMount("bind", "field TmpfsOptions must not be specified");
    }
    m.source = r.source();
    m.propagation = r.propagation().empty() ? "rprivate" : r.propagation();
    if (Propagations().count(m.propagation) == 0) {
      return BadMount("bind", absl::StrCat("invalid propagation mode '", r.propagation(), "'"));
    }
  } else if (m.type == "volume") {
    if (!r.source().empty() && !IsValidVolumeName(r.source())) {
      return BadMount("volume", absl::StrCat("invalid volume name '", r.source(), "'"));
    }
    if (!r.propagation().empty()) return BadMount("volume", "field BindOptions must not be specified");
    if (r.tmpfs_size() != 0 || r.tmpfs_mode() != 0) {
      return BadMount("volume", "field TmpfsOptions must not be specified");
    }
    m.source = r.source();
    m.no_copy = r.no_copy();
    m.volume_labels = {r.volume_labels().begin(), r.volume_labels().end()};
  } else {
    if (!r.source().empty()) return BadMount("tmpfs", "field Source must not be specified");
    if (!r.propagation().empty()) return BadMount("tmpfs", "field BindOptions must not be specified");
    if (r.no_copy() || !r.volume_labels().empty()) {
      return BadMount("tmpfs", "field VolumeOptions must not be specified");
    }
    if (r.tmpfs_size() < 0) return BadMount("tmpfs", "invalid tmpfs size");
    m.tmpfs_options = {"nosuid", "nodev"};
    if (m.read_only) m.tmpfs_options.push_back("ro");
    if (r.tmpfs_size() > 0) m.tmpfs_options.push_back(absl::StrCat("size=", r.tmpfs_size()));
    if (r.tmpfs_mode() != 0) {
      if (r.tmpfs_mode() > 07777) return BadMount("tmpfs", "invalid tmpfs mode");
      m.tmpfs_options.push_back(absl::StrFormat("mode=%o", r.tmpfs_mode()));
    }
  }
  return m;
}

absl::StatusOr<std::pair<std::string, std::string>> ParseVolumesFrom(const std::string& spec) {
  std::vector<std::string> parts = absl::StrSplit(spec, ':');
  if (parts.empty() || parts[0].empty() || parts.size() > 2) {
    return absl::InvalidArgumentError(absl::StrCat("invalid volumes-from '", spec, "'"));
  }
  std::string mode = parts.size() == 2 ? parts[1] : "";
  if (!mode.empty() && mode != "ro" && mode != "rw") {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid mode for volumes-from: ", mode));
  }
  return std::make_pair(parts[0], mode);
}

}  // namespace berth::runtimed::volumes
