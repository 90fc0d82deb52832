#include "services/runtimed/shim/init_helpers.h"

#include <sys/mount.h>

#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace berth::runtimed::shim {
namespace {

// Finds the line of a colon-separated database (passwd/group) whose first
// field is `name` or, when `by_id` is set, whose third field is `name`.
std::vector<std::string> FindEntry(const std::string& db, const std::string& key, bool by_id) {
  for (absl::string_view line : absl::StrSplit(db, '\n')) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> fields = absl::StrSplit(line, ':');
    if (fields.size() < 3) continue;
    if ((by_id ? fields[2] : fields[0]) == key) return fields;
  }
  return {};
}

bool IsNumeric(const std::string& s, uint32_t* out) {
  return !s.empty() && absl::SimpleAtoi(s, out);
}

}  // namespace

absl::StatusOr<ResolvedUser> ResolveUser(const std::string& spec, const std::string& passwd,
                                         const std::string& group) {
  ResolvedUser user;
  user.home = "/root";
  if (spec.empty()) return user;
  std::pair<std::string, std::string> parts = absl::StrSplit(spec, absl::MaxSplits(':', 1));
  const std::string& user_part = parts.first;
  const std::string& group_part = parts.second;

  uint32_t id = 0;
  std::vector<std::string> entry = FindEntry(passwd, user_part, IsNumeric(user_part, &id));
  if (IsNumeric(user_part, &id)) {
    user.uid = id;
    user.gid = 0;
    user.home = "/";
    if (!entry.empty()) {
      uint32_t gid = 0;
      if (entry.size() > 3 && absl::SimpleAtoi(entry[3], &gid)) user.gid = gid;
      if (entry.size() > 5 && !entry[5].empty()) user.home = entry[5];
    }
  } else {
    if (entry.size() < 4) {
      return absl::NotFoundError(absl::StrCat("unable to find user ", user_part,
                                              ": no matching entries in passwd file"));
    }
    uint32_t uid = 0, gid = 0;
    if (!absl::SimpleAtoi(entry[2], &uid) || !absl::SimpleAtoi(entry[3], &gid)) {
      return absl::InvalidArgumentError(absl::StrCat("malformed passwd entry for ", user_part));
    }
    user.uid = uid;
    user.gid = gid;
    user.home = entry.size() > 5 && !entry[5].empty() ? entry[5] : "/";
  }
  if (group_part.empty()) return user;
  if (IsNumeric(group_part, &id)) {
    user.gid = id;
    return user;
  }
  std::vector<std::string> g = FindEntry(group, group_part, false);
  if (g.size() < 3 || !absl::SimpleAtoi(g[2], &id)) {
    return absl::NotFoundError(absl::StrCat("unable to find group ", group_part,
                                            ": no matching entries in group file"));
  }
  user.gid = id;
  return user;
}

absl::StatusOr<std::string> FindExecutable(const std::string& name, const std::string& path_env,
                                           const StatFn& stat) {
  auto quoted = absl::StrCat("exec: \"", name, "\": ");
  if (name.find('/') != std::string::npos) {
    FileInfo info = stat(name);
    if (!info.exists) {
      return absl::InvalidArgumentError(
          absl::StrCat(quoted, "stat ", name, ": no such file or directory"));
    }
    if (info.is_dir || !info.executable) {
      return absl::InvalidArgumentError(absl::StrCat(quoted, "permission denied"));
    }
    return name;
  }
  if (!name.empty()) {
    for (absl::string_view dir : absl::StrSplit(path_env, ':')) {
      // An empty PATH element means the current directory, as in execvp.
      std::string candidate = dir.empty() ? name : absl::StrCat(dir, "/", name);
      FileInfo info = stat(candidate);
      if (info.exists && !info.is_dir && info.executable) return candidate;
    }
  }
  return absl::InvalidArgumentError(absl::StrCat(quoted, "executable file not found in $PATH"));
}

MountArgs ParseMountOptions(const std::string& type, const std::vector<std::string>& options) {
  static const auto* kFlags = new std::map<std::string, unsigned long>{
      {"ro", MS_RDONLY},     {"rw", 0},         {"nosuid", MS_NOSUID}, {"nodev", MS_NODEV},
      {"noexec", MS_NOEXEC}, {"bind", MS_BIND}, {"rbind", MS_BIND | MS_REC},
      {"relatime", MS_RELATIME}, {"noatime", MS_NOATIME}, {"strictatime", MS_STRICTATIME}};
  MountArgs args;
  std::vector<std::string> data;
  for (const auto& option : options) {
    auto it = kFlags->find(option);
    if (it != kFlags->end()) {
      args.flags |= it->second;
    } else {
      data.push_back(option);
    }
  }
  if (type == "bind") args.flags |= MS_BIND;
  args.data = absl::StrJoin(data, ",");
  return args;
}

std::string EnvValue(const std::vector<std::string>& env, const std::string& key) {
  std::string prefix = key + "=";
  for (const auto& kv : env) {
    if (absl::StartsWith(kv, prefix)) return kv.substr(prefix.size());
  }
  return "";
}

}  // namespace berth::runtimed::shim
