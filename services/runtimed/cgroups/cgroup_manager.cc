#include "services/runtimed/cgroups/cgroup_manager.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/fs/fs.h"
#include "common/status/status.h"
#include "services/runtimed/cgroups/cgroup_fs.h"
#include "services/runtimed/cgroups/device_program.h"

namespace berth::runtimed::cgroups {

absl::StatusOr<Layout> DetectLayout(const std::string& mountinfo) {
  Layout layout;
  for (absl::string_view line : absl::StrSplit(mountinfo, '\n')) {
    // "<id> <parent> <dev> <root> <mountpoint> <opts> [optional...] - <fstype> <source> <superopts>"
    std::vector<std::string> fields = absl::StrSplit(line, ' ', absl::SkipEmpty());
    auto dash = std::find(fields.begin(), fields.end(), "-");
    if (fields.size() < 5 || dash == fields.end() || fields.end() - dash < 4) continue;
    const std::string& fstype = *(dash + 1);
    const std::string& mountpoint = fields[4];
    if (fstype == "cgroup2") {
      // The first cgroup2 mount wins (a later one is usually a bind inside a container).
      if (layout.unified.empty()) layout.unified = mountpoint;
    } else if (fstype == "cgroup") {
      for (absl::string_view opt : absl::StrSplit(*(dash + 3), ',')) {
        if (opt == "rw" || opt == "ro" || absl::StartsWith(opt, "name=") ||
            absl::StartsWith(opt, "release_agent")) {
          continue;
        }
        layout.v1.emplace(std::string(opt), mountpoint);
      }
    }
  }
  bool v1_usable = layout.v1.contains("memory") || layout.v1.contains("pids") ||
                   layout.v1.contains("cpu");
  if (v1_usable) {
    layout.version = Version::kV1;
  } else if (!layout.unified.empty()) {
    layout.version = Version::kV2;
  } else {
    return absl::FailedPreconditionError(
        "no cgroup hierarchy mounted (neither cgroup v1 controllers nor cgroup2)");
  }
  return layout;
}

absl::StatusOr<Layout> DetectHostLayout() {
  BERTH_ASSIGN_OR_RETURN(std::string mountinfo, fs::ReadFile("/proc/self/mountinfo"));
  return DetectLayout(mountinfo);
}

std::unique_ptr<CgroupManager> NewCgroupManager(const Layout& layout, const std::string& parent,
                                                const std::string& id,
                                                DeviceProgramAttacher attach_devices) {
  if (layout.version == Version::kV2) {
    if (attach_devices == nullptr) attach_devices = AttachDeviceProgram;
    return internal::NewV2Manager(layout, parent, id, std::move(attach_devices));
  }
  return internal::NewV1Manager(layout, parent, id);
}

std::map<std::string, uint64_t> ParseFlatKeyed(const std::string& text) {
  std::map<std::string, uint64_t> out;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(line, absl::MaxSplits(' ', 1));
    uint64_t value = 0;
    if (absl::SimpleAtoi(absl::StripAsciiWhitespace(kv.second), &value)) {
      out[std::string(kv.first)] = value;
    }
  }
  return out;
}

uint64_t SharesToWeight(uint64_t shares) {
  if (shares == 0) return 0;
  shares = std::clamp<uint64_t>(shares, 2, 262144);
  return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t BlkioWeightToIoWeight(uint64_t weight) {
  if (weight == 0) return 0;
  weight = std::clamp<uint64_t>(weight, 10, 1000);
  return 1 + (weight - 10) * 9999 / 990;
}

std::vector<pid_t> ParsePids(const std::string& text) {
  std::vector<pid_t> pids;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    int pid = 0;
    if (absl::SimpleAtoi(absl::StripAsciiWhitespace(line), &pid) && pid > 0) pids.push_back(pid);
  }
  return pids;
}

namespace internal {

absl::Status AwaitCgroupState(const std::function<bool()>& settled,
                              const std::function<absl::Status()>& nudge, const std::string& what) {
  constexpr int kAttempts = 2000;  // 1 ms apart: about 2 s
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    if (settled()) return absl::OkStatus();
    if (attempt > 0 && attempt % 100 == 0) BERTH_RETURN_IF_ERROR(nudge());
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return absl::DeadlineExceededError(absl::StrCat(what, " did not settle in time"));
}

absl::Status WriteControl(const std::string& file, const std::string& text) {
  fs::ScopedFd fd(open(file.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
  if (!fd.valid() || write(fd.get(), text.data(), text.size()) < 0) {
    return ErrnoToStatus(errno, absl::StrCat("write '", text, "' to '", file, "'"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadControl(const std::string& file) {
  BERTH_ASSIGN_OR_RETURN(std::string text, fs::ReadFile(file));
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

uint64_t ReadNumber(const std::string& file, uint64_t max_value) {
  auto text = ReadControl(file);
  if (!text.ok()) return 0;
  if (*text == "max") return max_value;
  uint64_t value = 0;
  return absl::SimpleAtoi(*text, &value) ? value : 0;
}

bool Exists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

absl::Status RemoveCgroupDir(const std::string& path) {
  for (int attempt = 0; attempt < 50; ++attempt) {
    if (rmdir(path.c_str()) == 0 || errno == ENOENT) return absl::OkStatus();
    if (errno != EBUSY) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return ErrnoToStatus(errno, absl::StrCat("rmdir '", path, "'"));
}

}  // namespace internal
}  // namespace berth::runtimed::cgroups
