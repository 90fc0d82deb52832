#pragma once

#include <memory>
#include <string>

#include "tests/e2e/support/command.h"

namespace berth::e2e {

// A private Berth stack in a fresh temp directory, started with
// deploy/berth-up and torn down with deploy/berth-down --purge when the
// object goes, also when the test failed.
class Stack {
 public:
  // Starts the stack; returns null (with the reason in *error) on failure.
  static std::unique_ptr<Stack> Start(std::string* error);
  // Start, then imports the busybox rootfs as busybox:latest: what most tests
  // run their containers from.
  static std::unique_ptr<Stack> StartWithBusybox(std::string* error);
  ~Stack();

  // Runs the berth CLI, the docker CLI or any shell command with this stack's
  // BERTH_HOST / DOCKER_HOST (and a private DOCKER_CONFIG).
  CommandResult Berth(const std::string& args, const CommandOptions& options = {}) const;
  CommandResult Docker(const std::string& args, const CommandOptions& options = {}) const;
  CommandResult Shell(const std::string& command, const CommandOptions& options = {}) const;

  // Makes the busybox rootfs tarball (scripts/make-busybox-rootfs.sh) in the
  // stack's root once and returns its path; "" when that failed.
  std::string BusyboxTar() const;

  // Runs berth-up again (starts only what is not running).
  CommandResult Up() const;

  // The pid of a service from its pid file, or -1.
  int ServicePid(const std::string& service) const;
  // host:port of a service's metrics endpoint.
  std::string MetricsAddress(const std::string& service) const;

  const std::string& root() const { return root_; }
  const std::string& berth_host() const { return berth_host_; }
  const std::string& docker_host() const { return docker_host_; }
  std::string bridge() const;

  static std::string SourceDir();
  static std::string BuildDir();

 private:
  Stack() = default;
  CommandOptions WithEnv(const CommandOptions& options) const;

  std::string root_;
  std::string berth_host_;
  std::string docker_host_;
};

// True when running as root (the stack needs it); tests skip otherwise.
bool IsRoot();

}  // namespace berth::e2e

#define SKIP_UNLESS_ROOT()                                       \
  do {                                                           \
    if (!::berth::e2e::IsRoot()) GTEST_SKIP() << "needs root";   \
  } while (0)
