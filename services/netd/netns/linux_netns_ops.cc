#include "services/netd/netns/linux_netns_ops.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/fs/fs.h"
#include "common/status/status.h"

namespace berth::netd::netns {
namespace {

// mountinfo escapes space, tab, newline and backslash as \ooo octal.
std::string UnescapeMountinfo(const std::string& field) {
  std::string out;
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\\' && i + 3 < field.size()) {
      int value = 0;
      bool octal = true;
      for (size_t j = 1; j <= 3; ++j) {
        char c = field[i + j];
        if (c < '0' || c > '7') octal = false;
        value = value * 8 + (c - '0');
      }
      if (octal) {
        out.push_back(static_cast<char>(value));
        i += 3;
        continue;
      }
    }
    out.push_back(field[i]);
  }
  return out;
}

absl::StatusOr<bool> IsMountPoint(const std::string& path) {
  BERTH_ASSIGN_OR_RETURN(std::string mountinfo, fs::ReadFile("/proc/self/mountinfo"));
  return IsMountPointIn(mountinfo, path);
}

}  // namespace

bool IsMountPointIn(const std::string& mountinfo, const std::string& path) {
  for (absl::string_view line : absl::StrSplit(mountinfo, '\n')) {
    std::vector<absl::string_view> fields = absl::StrSplit(line, ' ');
    // Field 5 (index 4) is the mount point.
    if (fields.size() > 4 && UnescapeMountinfo(std::string(fields[4])) == path) return true;
  }
  return false;
}

absl::Status LinuxNetnsOps::PrepareDir(const std::string& dir) {
  BERTH_RETURN_IF_ERROR(fs::MakeDirs(dir, 0711));
  BERTH_ASSIGN_OR_RETURN(bool mounted, IsMountPoint(dir));
  if (mounted) return absl::OkStatus();
  if (::mount(dir.c_str(), dir.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0) {
    return ErrnoToStatus(errno, absl::StrCat("bind mount '", dir, "' on itself"));
  }
  if (::mount(nullptr, dir.c_str(), nullptr, MS_PRIVATE, nullptr) != 0) {
    return ErrnoToStatus(errno, absl::StrCat("make '", dir, "' private"));
  }
  return absl::OkStatus();
}

absl::Status LinuxNetnsOps::ReleaseDir(const std::string& dir) {
  if (::umount2(dir.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT) {
    return ErrnoToStatus(errno, absl::StrCat("unmount '", dir, "'"));
  }
  if (::rmdir(dir.c_str()) != 0 && errno != ENOENT && errno != ENOTEMPTY) {
    return ErrnoToStatus(errno, absl::StrCat("remove '", dir, "'"));
  }
  return absl::OkStatus();
}

absl::Status LinuxNetnsOps::Create(const std::string& path) {
  fs::ScopedFd file(::open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444));
  if (!file.valid()) return ErrnoToStatus(errno, absl::StrCat("create '", path, "'"));
  file.reset();
  // unshare(CLONE_NEWNET) moves only the calling thread. Doing it on a
  // throwaway thread leaves every daemon thread in the host namespace; the
  // bind mount keeps the new namespace alive after the thread exits.
  absl::Status status = absl::InternalError("netns thread did not run");
  std::thread worker([&]() {
    if (::unshare(CLONE_NEWNET) != 0) {
      status = ErrnoToStatus(errno, "unshare(CLONE_NEWNET)");
      return;
    }
    std::string self = absl::StrCat("/proc/self/task/", ::syscall(SYS_gettid), "/ns/net");
    if (::mount(self.c_str(), path.c_str(), nullptr, MS_BIND, nullptr) != 0) {
      status = ErrnoToStatus(errno, absl::StrCat("bind mount netns on '", path, "'"));
      return;
    }
    status = absl::OkStatus();
  });
  worker.join();
  if (!status.ok()) ::unlink(path.c_str());
  return status;
}

absl::Status LinuxNetnsOps::BindCurrent(const std::string& path) {
  fs::ScopedFd file(::open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444));
  if (!file.valid()) return ErrnoToStatus(errno, absl::StrCat("create '", path, "'"));
  file.reset();
  // No daemon thread ever leaves netd's namespace (see Create), so any
  // thread's view is the host's.
  if (::mount("/proc/thread-self/ns/net", path.c_str(), nullptr, MS_BIND, nullptr) != 0) {
    absl::Status status = ErrnoToStatus(errno, absl::StrCat("bind mount netns on '", path, "'"));
    ::unlink(path.c_str());
    return status;
  }
  return absl::OkStatus();
}

absl::Status LinuxNetnsOps::Remove(const std::string& path) {
  // EINVAL: not a mount point (a half-made file); ENOENT: already gone.
  if (::umount2(path.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT) {
    return ErrnoToStatus(errno, absl::StrCat("unmount netns '", path, "'"));
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return ErrnoToStatus(errno, absl::StrCat("remove netns file '", path, "'"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> LinuxNetnsOps::List(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory) return names;
    return ErrnoToStatus(ec.value(), absl::StrCat("list '", dir, "'"));
  }
  for (const auto& entry : it) names.push_back(entry.path().filename().string());
  return names;
}

absl::StatusOr<fs::ScopedFd> LinuxNetnsOps::OpenUdpSocket(const std::string& netns_path,
                                                          const std::string& ip, uint16_t port) {
  const std::string context = absl::StrCat("udp socket on ", ip, ":", port, " in '", netns_path, "'");
  fs::ScopedFd netns(::open(netns_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!netns.valid()) return ErrnoToStatus(errno, context);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (::inet_pton(AF_INET, ip.c_str(), &addr.sin_addr) != 1) {
    return absl::InvalidArgumentError(absl::StrCat(context, ": bad address"));
  }
  // A socket belongs to the namespace of the thread that creates it: make it
  // on a throwaway thread that joins the namespace, as OpenInNetns does.
  absl::StatusOr<fs::ScopedFd> result = absl::InternalError("netns thread did not run");
  std::thread worker([&]() {
    if (::setns(netns.get(), CLONE_NEWNET) != 0) {
      result = ErrnoToStatus(errno, absl::StrCat(context, ": setns"));
      return;
    }
    fs::ScopedFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!fd.valid() || ::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      result = ErrnoToStatus(errno, context);
      return;
    }
    result = std::move(fd);
  });
  worker.join();
  return result;
}

}  // namespace berth::netd::netns
