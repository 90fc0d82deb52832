#include "services/apid/system_info.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/fs/fs.h"
#include "common/fs/state_version.h"
#include "services/apid/usecases/container_service.h"

namespace berth::apid {
namespace {

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

std::string ParseCgroupVersion(const std::string& mountinfo) {
  bool v1 = false;
  bool v2 = false;
  for (absl::string_view line : absl::StrSplit(mountinfo, '\n')) {
    // mountinfo: "... - <fstype> <source> <options>"; the separator is " - ".
    size_t dash = line.find(" - ");
    if (dash == absl::string_view::npos) continue;
    absl::string_view rest = line.substr(dash + 3);
    absl::string_view fstype = rest.substr(0, rest.find(' '));
    if (fstype == "cgroup") v1 = true;
    if (fstype == "cgroup2") v2 = true;
  }
  if (v1) return "1";
  if (v2) return "2";
  return "";
}

std::string OsReleaseValue(const std::string& os_release, const std::string& key) {
  for (absl::string_view line : absl::StrSplit(os_release, '\n')) {
    if (!absl::ConsumePrefix(&line, key + "=")) continue;
    if (line.size() >= 2 && (line.front() == '"' || line.front() == '\'') &&
        line.back() == line.front()) {
      line = line.substr(1, line.size() - 2);
    }
    return std::string(line);
  }
  return "";
}

std::string GoArch(const std::string& machine) {
  if (machine == "x86_64") return "amd64";
  if (machine == "aarch64") return "arm64";
  if (machine == "i686" || machine == "i386") return "386";
  if (machine.rfind("armv", 0) == 0) return "arm";
  return machine;
}

absl::Status OpenStateDir(const std::string& state_dir) {
  return fs::EnsureStateVersion(state_dir + "/VERSION", kStateSchemaVersion, "apid");
}

absl::StatusOr<std::string> LoadOrCreateEngineId(const std::string& state_dir) {
  const std::string path = state_dir + "/engine-id";
  absl::StatusOr<std::string> existing = fs::ReadFile(path);
  if (existing.ok()) {
    std::string id(absl::StripAsciiWhitespace(*existing));
    if (!id.empty()) return id;
  } else if (!absl::IsNotFound(existing.status())) {
    return existing.status();
  }
  if (absl::Status s = fs::MakeDirs(state_dir, 0700); !s.ok()) return s;
  std::string id = RandomContainerId();
  if (absl::Status s = fs::WriteFileAtomically(path, id + "\n", 0600); !s.ok()) return s;
  return id;
}

HostFacts ReadHostFacts() {
  HostFacts facts;
  struct utsname uts {};
  if (uname(&uts) == 0) {
    facts.hostname = uts.nodename;
    facts.kernel_version = uts.release;
    facts.architecture = uts.machine;
  }
  facts.go_arch = GoArch(facts.architecture);
  std::string os_release = ReadWholeFile("/etc/os-release");
  if (os_release.empty()) os_release = ReadWholeFile("/usr/lib/os-release");
  facts.operating_system = OsReleaseValue(os_release, "PRETTY_NAME");
  facts.os_version = OsReleaseValue(os_release, "VERSION_ID");
  facts.cgroup_version = ParseCgroupVersion(ReadWholeFile("/proc/self/mountinfo"));
  facts.ncpu = static_cast<int>(std::thread::hardware_concurrency());
  long pages = sysconf(_SC_PHYS_PAGES);
  long page_size = sysconf(_SC_PAGESIZE);
  if (pages > 0 && page_size > 0) facts.mem_total = static_cast<int64_t>(pages) * page_size;
  return facts;
}

}  // namespace berth::apid
