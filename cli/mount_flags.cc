#include "cli/mount_flags.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/format/byte_size.h"

namespace berth::cli {
namespace {

absl::Status BadMount(const std::string& text, const std::string& why) {
  return absl::InvalidArgumentError(
      absl::StrCat("invalid argument \"", text, "\" for \"--mount\" flag: ", why));
}

// "true"/"1"/"false"/"0" (docker's strconv.ParseBool subset).
absl::StatusOr<bool> ParseBool(const std::string& value) {
  std::string v = absl::AsciiStrToLower(value);
  if (v == "true" || v == "1" || v == "t") return true;
  if (v == "false" || v == "0" || v == "f") return false;
  return absl::InvalidArgumentError(absl::StrCat("invalid boolean '", value, "'"));
}

}  // namespace

absl::StatusOr<MountFlag> ParseMountFlag(const std::string& text) {
  MountFlag m;
  m.type = "volume";  // docker's default type
  for (absl::string_view field_view : absl::StrSplit(text, ',', absl::SkipEmpty())) {
    std::string field(absl::StripAsciiWhitespace(field_view));
    size_t eq = field.find('=');
    std::string key = absl::AsciiStrToLower(field.substr(0, eq));
    bool has_value = eq != std::string::npos;
    std::string value = has_value ? field.substr(eq + 1) : "";
    if (key == "readonly" || key == "ro") {
      if (!has_value) {
        m.read_only = true;
        continue;
      }
      absl::StatusOr<bool> b = ParseBool(value);
      if (!b.ok()) return BadMount(text, absl::StrCat("invalid value for ", key, ": ", value));
      m.read_only = *b;
      continue;
    }
    if (key == "volume-nocopy") {
      if (!has_value) {
        m.no_copy = true;
        continue;
      }
      absl::StatusOr<bool> b = ParseBool(value);
      if (!b.ok()) return BadMount(text, absl::StrCat("invalid value for ", key, ": ", value));
      m.no_copy = *b;
      continue;
    }
    if (!has_value) return BadMount(text, absl::StrCat("invalid field '", field, "' must be a key=value pair"));
    if (key == "type") {
      m.type = value;
    } else if (key == "source" || key == "src") {
      m.source = value;
    } else if (key == "target" || key == "dst" || key == "destination") {
      m.target = value;
    } else if (key == "bind-propagation") {
      m.propagation = value;
    } else if (key == "volume-label") {
      size_t label_eq = value.find('=');
      m.volume_labels[value.substr(0, label_eq)] =
          label_eq == std::string::npos ? "" : value.substr(label_eq + 1);
    } else if (key == "volume-driver") {
      if (value != "local") {
        return BadMount(text, absl::StrCat("volume driver \"", value,
                                           "\" is not supported: only \"local\" is"));
      }
    } else if (key == "tmpfs-size") {
      absl::StatusOr<int64_t> size = format::ParseRamInBytes(value);
      if (!size.ok()) return BadMount(text, std::string(size.status().message()));
      m.tmpfs_size = *size;
    } else if (key == "tmpfs-mode") {
      uint32_t mode = 0;
      if (!absl::numbers_internal::safe_strtou32_base(value, &mode, 8) || mode > 07777) {
        return BadMount(text, absl::StrCat("invalid value for tmpfs-mode: ", value));
      }
      m.tmpfs_mode = mode;
    } else if (key == "consistency") {
      // macOS hints; nothing to do on Linux.
    } else {
      return BadMount(text, absl::StrCat("unexpected key '", key, "' in '", field, "'"));
    }
  }
  if (m.type != "volume" && m.type != "bind" && m.type != "tmpfs") {
    return BadMount(text, absl::StrCat("unsupported mount type '", m.type, "'"));
  }
  if (m.target.empty()) return BadMount(text, "target is required");
  return m;
}

absl::StatusOr<StorageSpec> BuildStorageSpec(const StorageFlags& flags) {
  StorageSpec spec;
  for (const std::string& v : flags.volume) {
    if (v.empty()) return absl::InvalidArgumentError("invalid empty volume spec");
    if (v.find(':') == std::string::npos) {
      if (v[0] != '/') {
        return absl::InvalidArgumentError(
            absl::StrCat("invalid volume specification: '", v,
                         "': a volume without a source needs an absolute path"));
      }
      spec.volumes.push_back(v);
    } else {
      spec.binds.push_back(v);
    }
  }
  for (const std::string& m : flags.mount) {
    absl::StatusOr<MountFlag> mount = ParseMountFlag(m);
    if (!mount.ok()) return mount.status();
    spec.mounts.push_back(*std::move(mount));
  }
  for (const std::string& t : flags.tmpfs) {
    std::pair<std::string, std::string> parts = absl::StrSplit(t, absl::MaxSplits(':', 1));
    if (parts.first.empty() || parts.first[0] != '/') {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid tmpfs '", t, "': the path must be absolute"));
    }
    spec.tmpfs[parts.first] = parts.second;
  }
  spec.volumes_from = flags.volumes_from;
  return spec;
}

}  // namespace berth::cli
