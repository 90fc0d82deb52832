// Internals of the cgroupfs drivers: control-file I/O and the driver
// constructors NewCgroupManager picks between.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/runtimed/cgroups/cgroup_manager.h"

namespace berth::runtimed::cgroups::internal {

// cgroupfs files take plain writes (no temp file and rename); one value per write.
absl::Status WriteControl(const std::string& file, const std::string& text);
// The file's content without the trailing newline.
absl::StatusOr<std::string> ReadControl(const std::string& file);
// The file as an unsigned number; `max_value` for "max" (v2) and 0 when absent.
uint64_t ReadNumber(const std::string& file, uint64_t max_value = 0);
bool Exists(const std::string& path);
// Polls `settled` (up to ~2 s, re-running `nudge` every 100 ms, as the v1
// freezer can stay FREEZING while tasks are in uninterruptible sleep).
// DeadlineExceeded naming `what` when it never settles.
absl::Status AwaitCgroupState(const std::function<bool()>& settled,
                              const std::function<absl::Status()>& nudge, const std::string& what);
// rmdir with a short retry while the kernel releases the last task.
absl::Status RemoveCgroupDir(const std::string& path);

std::unique_ptr<CgroupManager> NewV1Manager(const Layout& layout, const std::string& parent,
                                            const std::string& id);
std::unique_ptr<CgroupManager> NewV2Manager(const Layout& layout, const std::string& parent,
                                            const std::string& id,
                                            DeviceProgramAttacher attach_devices);

}  // namespace berth::runtimed::cgroups::internal
