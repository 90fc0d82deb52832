#include "services/runtimed/volumes/mount_resolver.h"

#include <sys/stat.h>

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/fs/fs.h"
#include "common/status/status.h"
#include "services/runtimed/volumes/mount_spec.h"

namespace berth::runtimed::volumes {
namespace {

size_t Depth(const std::string& path) {
  return std::count(path.begin(), path.end(), '/');
}

absl::StatusOr<v1::MountPoint> ResolveIntent(const MountIntent& m, const ResolveContext& context,
                                             std::vector<std::string>& created) {
  v1::MountPoint mp;
  mp.set_type(m.type);
  mp.set_destination(m.destination);
  mp.set_rw(!m.read_only);
  mp.set_mode(m.mode);
  if (m.type == "volume") {
    CreateVolumeOptions options;
    options.name = m.source;
    options.labels = m.volume_labels;
    options.anonymous = m.source.empty();
    bool existed = !m.source.empty() && context.volumes->Get(m.source).ok();
    BERTH_ASSIGN_OR_RETURN(v1::Volume volume, context.volumes->Create(options, context.now));
    if (!existed) created.push_back(volume.name());
    mp.set_name(volume.name());
    mp.set_source(volume.mountpoint());
    mp.set_driver("local");
    mp.set_anonymous(volume.anonymous());
    mp.set_copy_up(!m.no_copy);
  } else if (m.type == "bind") {
    struct stat st{};
    if (stat(m.source.c_str(), &st) != 0) {
      if (errno != ENOENT || !m.create_host_dir) {
        return absl::InvalidArgumentError(absl::StrCat(
            "invalid mount config for type \"bind\": bind source path does not exist: ",
            m.source));
      }
      BERTH_RETURN_IF_ERROR(Annotate(fs::MakeDirs(m.source, 0755),
                                     absl::StrCat("create the bind source '", m.source, "'")));
      st.st_mode = S_IFDIR;
    }
    mp.set_source(m.source);
    mp.set_propagation(m.propagation);
    mp.set_file(!S_ISDIR(st.st_mode));
  } else {
    mp.set_source("");
    for (const auto& o : m.tmpfs_options) mp.add_options(o);
  }
  return mp;
}

absl::StatusOr<ResolvedMounts> ResolveAll(const v1::ContainerConfig& config,
                                          const ResolveContext& context,
                                          std::vector<std::string>& created) {
  std::vector<MountIntent> explicit_mounts;
  for (const auto& b : config.binds()) {
    BERTH_ASSIGN_OR_RETURN(MountIntent m, ParseBind(b));
    explicit_mounts.push_back(std::move(m));
  }
  for (const auto& r : config.mounts()) {
    BERTH_ASSIGN_OR_RETURN(MountIntent m, FromMountRequest(r));
    explicit_mounts.push_back(std::move(m));
  }
  std::map<std::string, std::string> tmpfs(config.tmpfs().begin(), config.tmpfs().end());
  for (const auto& [path, options] : tmpfs) {
    BERTH_ASSIGN_OR_RETURN(MountIntent m, ParseTmpfs(path, options));
    explicit_mounts.push_back(std::move(m));
  }
  // Duplicates are found before anything is made.
  std::set<std::string> seen;
  for (const MountIntent& m : explicit_mounts) {
    if (!seen.insert(m.destination).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("Duplicate mount point: ", m.destination));
    }
  }
  std::map<std::string, v1::MountPoint> by_dest;
  for (const MountIntent& m : explicit_mounts) {
    BERTH_ASSIGN_OR_RETURN(v1::MountPoint mp, ResolveIntent(m, context, created));
    by_dest[m.destination] = std::move(mp);
  }
  for (const auto& spec : config.volumes_from()) {
    BERTH_ASSIGN_OR_RETURN(auto parsed, ParseVolumesFrom(spec));
    if (!context.lookup_container) return absl::InternalError("no container lookup");
    BERTH_ASSIGN_OR_RETURN(v1::Container from, context.lookup_container(parsed.first));
    for (const auto& mp : from.mounts()) {
      if (by_dest.count(mp.destination()) > 0) continue;
      v1::MountPoint copy = mp;
      if (!parsed.second.empty()) {
        copy.set_rw(parsed.second == "rw");
        copy.set_mode(parsed.second);
      }
      copy.set_copy_up(false);  // already filled for the first container
      by_dest[mp.destination()] = std::move(copy);
    }
  }
  for (const auto& path : config.volumes()) {
    BERTH_ASSIGN_OR_RETURN(std::string dest, CleanDestination(path, "invalid volume"));
    if (by_dest.count(dest) > 0) continue;
    MountIntent m;
    m.type = "volume";
    m.destination = dest;
    BERTH_ASSIGN_OR_RETURN(v1::MountPoint mp, ResolveIntent(m, context, created));
    by_dest[dest] = std::move(mp);
  }
  ResolvedMounts out;
  for (auto& [dest, mp] : by_dest) out.mounts.push_back(std::move(mp));
  // Parents first, so that /a/b is mounted on top of /a and not hidden by it.
  std::stable_sort(out.mounts.begin(), out.mounts.end(),
                   [](const v1::MountPoint& a, const v1::MountPoint& b) {
                     return Depth(a.destination()) < Depth(b.destination());
                   });
  return out;
}

}  // namespace

absl::StatusOr<ResolvedMounts> ResolveMounts(const v1::ContainerConfig& config,
                                             const ResolveContext& context) {
  if (context.volumes == nullptr) return absl::InternalError("no volume store");
  std::vector<std::string> created;
  absl::StatusOr<ResolvedMounts> out = ResolveAll(config, context, created);
  if (!out.ok()) {
    for (const auto& name : created) (void)context.volumes->Remove(name);
    return out.status();
  }
  out->created = std::move(created);
  return out;
}

std::vector<spec::MountSpec> ShimMounts(const v1::Container& record) {
  std::vector<spec::MountSpec> out;
  for (const auto& mp : record.mounts()) {
    spec::MountSpec m;
    m.target = mp.destination();
    if (mp.type() == "tmpfs") {
      m.type = "tmpfs";
      m.source = "tmpfs";
      m.options = {mp.options().begin(), mp.options().end()};
    } else {
      m.type = "bind";
      m.source = mp.source();
      m.options = {"rbind"};
      if (!mp.propagation().empty()) m.options.push_back(mp.propagation());
      if (!mp.rw()) m.options.push_back("ro");
      m.copy_up = mp.type() == "volume" && mp.copy_up();
      m.file = mp.file();
    }
    out.push_back(std::move(m));
  }
  return out;
}

bool MountsVolume(const v1::Container& record, const std::string& name) {
  for (const auto& mp : record.mounts()) {
    if (mp.type() == "volume" && mp.name() == name) return true;
  }
  return false;
}

}  // namespace berth::runtimed::volumes
