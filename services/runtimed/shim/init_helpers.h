// Pure helpers of the container init (the cloned child of berth-shim): user
// lookup in the container's /etc/passwd and /etc/group, executable lookup
// through PATH with Go-exec-compatible error texts (the docker CLI derives
// `run`'s exit code 127/126 from them), default environment.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace berth::runtimed::shim {

struct ResolvedUser {
  uid_t uid = 0;
  gid_t gid = 0;
  std::string home = "/";
  // The groups whose member list names the user, in file order (runc's
  // Sgids): only for the implicit form ("name", "uid"); an explicit group
  // ("name:group") replaces them, as in runc and dockerd.
  std::vector<gid_t> member_of;
  bool operator==(const ResolvedUser&) const = default;
};

// Resolves Docker's --user forms ("", "uid", "uid:gid", "name", "name:group",
// "uid:group") against the contents of /etc/passwd and /etc/group (either may
// be empty). "" is root (uid 0's passwd entry and groups when present).
// NotFound "unable to find user <name>: no matching entries in passwd file"
// like Docker when a name is missing.
absl::StatusOr<ResolvedUser> ResolveUser(const std::string& spec, const std::string& passwd,
                                         const std::string& group);

// --group-add entries (names or numbers) against /etc/group, as runc's
// GetAdditionalGroups: a name or a number naming a group gives its gid, a
// number without an entry is taken as is; anything else is NotFound "Unable
// to find group <x>: no matching entries in group file".
absl::StatusOr<std::vector<gid_t>> ResolveAdditionalGroups(const std::vector<std::string>& added,
                                                           const std::string& group);

// The process's setgroups(2) list as dockerd builds the OCI user: the
// primary gid first, then member_of, then the --group-add gids.
std::vector<gid_t> SupplementaryGroups(const ResolvedUser& user, const std::vector<gid_t>& added);

// What FindExecutable needs to know about a path.
struct FileInfo {
  bool exists = false;
  bool is_dir = false;
  bool executable = false;  // access(X_OK) for the process's user
};
using StatFn = std::function<FileInfo(const std::string& path)>;

// Resolves argv[0] like Go's exec.LookPath, used by runc:
//   a name with "/": `exec: "<p>": stat <p>: no such file or directory` when
//   missing, `exec: "<p>": permission denied` when a directory or not
//   executable; a bare name: searched in `path_env` ("a:b:c"), else
//   `exec: "<n>": executable file not found in $PATH`.
// The error is InvalidArgument carrying exactly that text.
absl::StatusOr<std::string> FindExecutable(const std::string& name, const std::string& path_env,
                                           const StatFn& stat);

// Mount options split into mount(2) flags and the data string ("ro",
// "nosuid", "bind", "rbind"... become flags; the rest is joined with ",").
struct MountArgs {
  unsigned long flags = 0;
  std::string data;
  bool operator==(const MountArgs&) const = default;
};
MountArgs ParseMountOptions(const std::string& type, const std::vector<std::string>& options);

// The value of `key` in a "K=V" list, or "" when absent.
std::string EnvValue(const std::vector<std::string>& env, const std::string& key);

}  // namespace berth::runtimed::shim
