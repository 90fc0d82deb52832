// Fixture for runtimed root tests: a private state/run dir, a busybox rootfs
// (Debian's busybox-static) used as the overlay lower dir, a ContainerManager,
// and cleanup of everything the test started (shims, cgroups, dirs) even when
// it fails.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "services/runtimed/container_manager.h"

namespace berth::runtimed::testing {

// Fills `lower` with a busybox rootfs (needs /bin/busybox, busybox-static).
void BuildBusyboxRootfs(const std::string& lower);

struct RunOptions {
  bool tty = false;
  bool open_stdin = false;
  bool auto_remove = false;
  std::string name;
};

class ContainerTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // (Re)creates the manager on the same dirs.
  void StartManager();
  void StopManager() { manager_.reset(); }

  // Creates a container running `cmd` on a fresh overlay snapshot.
  v1::Container Create(const std::vector<std::string>& cmd, const RunOptions& options = {});
  // The json-file log content (stdout and stderr).
  std::string Logs(const std::string& id);
  // Waits (not-running) and returns the exit code.
  int WaitExit(const std::string& id);
  // Reads an attach session's output to its end.
  static std::string ReadAll(AttachSession& session);
  // Processes whose command line mentions our temp dir (our shims).
  std::vector<pid_t> OurProcesses() const;
  // Lines of /proc/self/mountinfo that mention our temp dir.
  std::vector<std::string> OurMounts() const;

  std::string dir_;
  std::unique_ptr<ContainerManager> manager_;
  std::vector<std::string> ids_;
};

}  // namespace berth::runtimed::testing
