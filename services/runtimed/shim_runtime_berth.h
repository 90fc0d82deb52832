// BerthShimRuntime: the ShimRuntime of real berth-shim processes. Launches
// them detached (shim_launcher.h) and speaks the shim protocol on their
// sockets (shim_client.h); the paths come from Paths, so a new instance over
// the same dirs reaches the shims an earlier one launched.
#pragma once

#include <string>

#include "services/runtimed/paths.h"
#include "services/runtimed/shim_runtime.h"

namespace berth::runtimed {

class BerthShimRuntime final : public ShimRuntime {
 public:
  // `shim_path`: the berth-shim binary.
  BerthShimRuntime(Paths paths, std::string shim_path)
      : paths_(std::move(paths)), shim_path_(std::move(shim_path)) {}

  absl::StatusOr<pid_t> Launch(const std::string& id, const std::string& config_path) override;
  absl::StatusOr<std::unique_ptr<ExitWatch>> Watch(const std::string& id) override;
  absl::StatusOr<pid_t> Start(const std::string& id) override;
  absl::Status Kill(const std::string& id, int signal) override;
  absl::Status Resize(const std::string& id, uint32_t height, uint32_t width) override;
  absl::StatusOr<std::shared_ptr<AttachStream>> Attach(const std::string& id,
                                                       AttachOptions streams) override;
  absl::StatusOr<spec::ExitRecord> RecordedExit(const std::string& id) override;

 private:
  const Paths paths_;
  const std::string shim_path_;
};

}  // namespace berth::runtimed
