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

absl::Status ContainerCgroups::AddProcess(pid_t pid) const {
  for (const auto& path : paths_) {
    // cgroupfs files take plain writes (no temp file and rename).
    std::string file = path + "/cgroup.procs";
    fs::ScopedFd fd(open(file.c_str(), O_WRONLY | O_CLOEXEC));
    std::string text = absl::StrCat(pid);
    if (!fd.valid() || write(fd.get(), text.data(), text.size()) < 0) {
      return ErrnoToStatus(errno, absl::StrCat("add pid ", pid, " to '", file, "'"));
    }
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
