#include "services/runtimed/shim/cgroups.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/fs/fs.h"
#include "common/status/status.h"

namespace berth::runtimed::shim {

std::vector<std::string> FindV1Hierarchies(const std::string& mountinfo,
                                           const std::vector<std::string>& controllers) {
  std::vector<std::string> result;
  for (absl::string_view line : absl::StrSplit(mountinfo, '\n')) {
    // "<id> <parent> <dev> <root> <mountpoint> <opts> [optional...] - <fstype> <source> <superopts>"
    std::vector<std::string> fields = absl::StrSplit(line, ' ', absl::SkipEmpty());
    auto dash = std::find(fields.begin(), fields.end(), "-");
    if (fields.size() < 5 || dash == fields.end() || fields.end() - dash < 4) continue;
    if (*(dash + 1) != "cgroup") continue;
    std::vector<std::string> opts = absl::StrSplit(*(dash + 3), ',');
    for (const auto& controller : controllers) {
      if (std::find(opts.begin(), opts.end(), controller) != opts.end()) {
        result.push_back(fields[4]);
        break;
      }
    }
  }
  return result;
}

bool OomKillReported(const std::string& oom_control) {
  for (absl::string_view line : absl::StrSplit(oom_control, '\n')) {
    std::pair<std::string, std::string> kv = absl::StrSplit(line, absl::MaxSplits(' ', 1));
    long count = 0;
    if (kv.first == "oom_kill" && absl::SimpleAtoi(kv.second, &count)) return count > 0;
  }
  return false;
}

bool ContainerCgroups::OomKilled() const {
  for (const auto& path : paths_) {
    auto text = fs::ReadFile(path + "/memory.oom_control");
    if (text.ok() && OomKillReported(*text)) return true;
  }
  return false;
}

absl::StatusOr<ContainerCgroups> ContainerCgroups::Create(
    const std::vector<std::string>& hierarchies, const std::string& parent,
    const std::string& id) {
  ContainerCgroups cgroups;
  for (const auto& hierarchy : hierarchies) {
    std::string path = absl::StrCat(hierarchy, "/", parent, "/", id);
    BERTH_RETURN_IF_ERROR(fs::MakeDirs(path));
    cgroups.paths_.push_back(path);
  }
  return cgroups;
}

namespace {

// cgroupfs files take plain writes (no temp file and rename); each write is
// one rule.
absl::Status WriteControl(const std::string& file, const std::string& text) {
  fs::ScopedFd fd(open(file.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd.valid() || write(fd.get(), text.data(), text.size()) < 0) {
    return ErrnoToStatus(errno, absl::StrCat("write '", text, "' to '", file, "'"));
  }
  return absl::OkStatus();
}

bool HasFile(const std::string& dir, const char* name) {
  return access(absl::StrCat(dir, "/", name).c_str(), F_OK) == 0;
}

}  // namespace

absl::Status ContainerCgroups::ApplyLimits(const std::vector<std::string>& device_rules,
                                           int64_t pids_limit) const {
  bool have_devices = false;
  bool have_pids = false;
  for (const auto& path : paths_) {
    if (HasFile(path, "devices.allow")) {
      have_devices = true;
      if (device_rules != std::vector<std::string>{"a *:* rwm"}) {
        BERTH_RETURN_IF_ERROR(WriteControl(path + "/devices.deny", "a"));
        for (const auto& rule : device_rules) {
          BERTH_RETURN_IF_ERROR(WriteControl(path + "/devices.allow", rule));
        }
      }
    }
    if (HasFile(path, "pids.max")) {
      have_pids = true;
      if (pids_limit > 0) {
        BERTH_RETURN_IF_ERROR(WriteControl(path + "/pids.max", absl::StrCat(pids_limit)));
      }
    }
  }
  if (!have_devices) {
    return absl::FailedPreconditionError(
        "no devices cgroup (v1) to confine the container's device access; cgroup v2 device "
        "control is not implemented yet");
  }
  if (pids_limit > 0 && !have_pids) {
    return absl::FailedPreconditionError("no pids cgroup to apply the pids limit");
  }
  return absl::OkStatus();
}

absl::Status ContainerCgroups::AddProcess(pid_t pid) const {
  for (const auto& path : paths_) {
    BERTH_RETURN_IF_ERROR(WriteControl(path + "/cgroup.procs", absl::StrCat(pid)));
  }
  return absl::OkStatus();
}

absl::Status ContainerCgroups::Remove() const {
  absl::Status result;
  for (const auto& path : paths_) {
    // The kernel may need a moment after the last process died before the
    // cgroup counts as empty.
    bool removed = false;
    for (int attempt = 0; attempt < 50 && !removed; ++attempt) {
      removed = rmdir(path.c_str()) == 0 || errno == ENOENT;
      if (!removed) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!removed) result.Update(ErrnoToStatus(errno, absl::StrCat("rmdir '", path, "'")));
  }
  return result;
}

}  // namespace berth::runtimed::shim
