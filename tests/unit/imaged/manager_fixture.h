#pragma once

// Shared fixture for ImageManager tests: a manager on a temp state dir with a
// fake clock, and helpers to import in-memory tarballs.

#include <gtest/gtest.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/imaged/image_manager.h"
#include "tests/unit/imaged/test_util.h"

namespace berth::imaged::testing {

class ManagerTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open() {
    manager_.reset();
    ImageManagerOptions options;
    options.state_dir = state_dir_;
    options.clock = [this] { return now_; };
    options.apply_ownership = ::geteuid() == 0;
    options.metrics = metrics_;
    options.limits = limits_;
    auto manager = ImageManager::Create(std::move(options));
    ASSERT_TRUE(manager.ok()) << manager.status();
    manager_ = *std::move(manager);
  }

  // Imports `tar` in 1000-byte chunks; advances the clock so ids differ.
  absl::StatusOr<Image> Import(const std::string& tar, const std::string& repo = "",
                               std::vector<std::string> changes = {},
                               const std::string& tag = "") {
    now_ += absl::Seconds(1);
    ImportOptions options;
    options.repo = repo;
    options.tag = tag;
    options.changes = std::move(changes);
    size_t offset = 0;
    return manager_->Import(options, [&]() -> absl::StatusOr<std::optional<std::string>> {
      if (offset >= tar.size()) return std::nullopt;
      std::string chunk = tar.substr(offset, 1000);
      offset += chunk.size();
      return chunk;
    });
  }

  static std::string SmallRootfs() {
    return BuildTar({Dir("bin"), File("bin/busybox", "#!fake busybox", 0755),
                     Symlink("bin/sh", "busybox"), Dir("etc"),
                     File("etc/hostname", "berth\n", 0644)});
  }

  int Count(const std::string& dir) { return CountEntries(dir); }
  const Paths& paths() { return manager_->paths(); }

  TempDir dir_;
  std::string state_dir_ = dir_.path() + "/state";
  absl::Time now_ = absl::FromUnixSeconds(1700000000);
  ImagedMetrics* metrics_ = nullptr;
  layers::UnpackLimits limits_;  // applied by Open()
  std::unique_ptr<ImageManager> manager_;
};

}  // namespace berth::imaged::testing
