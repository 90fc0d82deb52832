// The fixture runtimed's lifecycle unit tests share: a ContainerManager over
// FakeShimRuntime and FakeClock in a fresh temp dir, reopened on the same
// dirs and shims by OpenManager() (a runtimed restart). A test class adds
// its seams by overriding Customize().
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "common/time/fake_clock.h"
#include "gtest/gtest.h"
#include "services/runtimed/container_manager.h"
#include "services/runtimed/testing/fake_shim_runtime.h"

namespace berth::runtimed::testing {

class ManagerTestBase : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/runtimed-manager-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    clock_ = std::make_shared<FakeClock>();
    shims_ = std::make_shared<FakeShimRuntime>(clock_);
    OpenManager();
  }
  void TearDown() override {
    manager_.reset();
    std::filesystem::remove_all(dir_);
  }
  // The test class's seams on top of the default config.
  virtual void Customize(ManagerConfig& /*config*/) {}
  // (Re)opens a manager on the same dirs and the same shims: a restart.
  void OpenManager() {
    manager_.reset();
    ManagerConfig config{dir_ + "/state", dir_ + "/run", "/nonexistent/berth-shim"};
    Customize(config);
    auto manager = ContainerManager::Create(config, nullptr, shims_, clock_);
    ASSERT_TRUE(manager.ok()) << manager.status();
    manager_ = std::move(*manager);
  }

  std::string dir_;
  std::shared_ptr<FakeClock> clock_;
  std::shared_ptr<FakeShimRuntime> shims_;
  std::unique_ptr<ContainerManager> manager_;
};

}  // namespace berth::runtimed::testing
