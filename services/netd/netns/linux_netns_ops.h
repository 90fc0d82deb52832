#pragma once

#include "services/netd/netns/netns_ops.h"

namespace berth::netd::netns {

// NetnsOps with the real syscalls. Needs CAP_SYS_ADMIN (mounts, unshare).
class LinuxNetnsOps : public NetnsOps {
 public:
  absl::Status PrepareDir(const std::string& dir) override;
  absl::Status ReleaseDir(const std::string& dir) override;
  absl::Status Create(const std::string& path) override;
  absl::Status BindCurrent(const std::string& path) override;
  absl::Status Remove(const std::string& path) override;
  absl::StatusOr<std::vector<std::string>> List(const std::string& dir) override;
  absl::StatusOr<fs::ScopedFd> OpenUdpSocket(const std::string& netns_path, const std::string& ip,
                                             uint16_t port) override;
};

// True when `path` is a mount point according to `mountinfo` (the content of
// /proc/self/mountinfo). Pure; exposed for tests.
bool IsMountPointIn(const std::string& mountinfo, const std::string& path);

}  // namespace berth::netd::netns
