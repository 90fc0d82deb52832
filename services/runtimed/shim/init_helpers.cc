#include "services/runtimed/shim/init_helpers.h"

#include <sys/mount.h>

#include <algorithm>
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

// Every group line as its fields (at least name, password, gid).
std::vector<std::vector<std::string>> GroupEntries(const std::string& db) {
  std::vector<std::vector<std::string>> out;
  for (absl::string_view line : absl::StrSplit(db, '\n')) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> fields = absl::StrSplit(line, ':');
    uint32_t gid = 0;
    if (fields.size() < 3 || !absl::SimpleAtoi(fields[2], &gid)) continue;
    out.push_back(std::move(fields));
  }
  return out;
}

// The gids of the groups listing `name` as a member (4th field, "a,b,c").
std::vector<gid_t> GroupsListing(const std::string& name, const std::string& group) {
  std::vector<gid_t> gids;
  if (name.empty()) return gids;
  for (const std::vector<std::string>& g : GroupEntries(group)) {
    if (g.size() < 4) continue;
    for (absl::string_view member : absl::StrSplit(g[3], ',')) {
      if (member == name) {
        uint32_t gid = 0;
        (void)absl::SimpleAtoi(g[2], &gid);
        gids.push_back(gid);
        break;
      }
    }
  }
  return gids;
}

}  // namespace

absl::StatusOr<ResolvedUser> ResolveUser(const std::string& spec, const std::string& passwd,
                                         const std::string& group) {
  ResolvedUser user;
  user.home = "/root";
  if (spec.empty()) {
    // Root, with what passwd says of uid 0 and the groups naming it (runc
    // looks up the default user too: Docker's busybox shows 10(wheel)).
    std::vector<std::string> root = FindEntry(passwd, "0", true);
    uint32_t gid = 0;
    if (root.size() > 3 && absl::SimpleAtoi(root[3], &gid)) user.gid = gid;
    if (root.size() > 5 && !root[5].empty()) user.home = root[5];
    if (!root.empty()) user.member_of = GroupsListing(root[0], group);
    return user;
  }
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
  if (group_part.empty()) {
    // The user's name (a numeric uid may have one in passwd too).
    user.member_of = GroupsListing(entry.empty() ? "" : entry[0], group);
    return user;
  }
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

absl::StatusOr<std::vector<gid_t>> ResolveAdditionalGroups(const std::vector<std::string>& added,
                                                           const std::string& group) {
  std::vector<gid_t> gids;
  std::vector<std::vector<std::string>> entries = GroupEntries(group);
  for (const std::string& want : added) {
    uint32_t gid = 0;
    bool found = false;
    for (const std::vector<std::string>& g : entries) {
      if (g[0] == want || g[2] == want) {
        found = absl::SimpleAtoi(g[2], &gid);
        break;
      }
    }
    if (!found && !IsNumeric(want, &gid)) {
      return absl::NotFoundError(absl::StrCat("Unable to find group ", want,
                                              ": no matching entries in group file"));
    }
    if (std::find(gids.begin(), gids.end(), gid) == gids.end()) gids.push_back(gid);
  }
  return gids;
}

std::vector<gid_t> SupplementaryGroups(const ResolvedUser& user, const std::vector<gid_t>& added) {
  std::vector<gid_t> groups{user.gid};
  groups.insert(groups.end(), user.member_of.begin(), user.member_of.end());
  groups.insert(groups.end(), added.begin(), added.end());
  return groups;
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
