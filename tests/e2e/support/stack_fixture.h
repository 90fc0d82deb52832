#pragma once

// The fixtures most e2e tests start from: a private stack per test (skipped
// unless root), and the same with busybox:latest imported. A fixture that
// adds to SetUp calls the base first and returns when it skipped or failed:
//   BusyboxStackTest::SetUp();
//   if (IsSkipped() || HasFatalFailure()) return;

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "tests/e2e/support/command.h"
#include "tests/e2e/support/stack.h"

namespace berth::e2e {

class PrivateStackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SKIP_UNLESS_ROOT();
    std::string error;
    stack_ = Stack::Start(&error);
    ASSERT_NE(stack_, nullptr) << error;
  }
  void TearDown() override { stack_.reset(); }

  std::unique_ptr<Stack> stack_;
};

// A private stack with busybox:latest imported, on top of `Base`: plain
// (BusyboxStackTest) or parameterized (BusyboxStackParamTest).
template <typename Base>
class BusyboxStackFixture : public Base {
 protected:
  void SetUp() override {
    SKIP_UNLESS_ROOT();
    std::string error;
    stack_ = Stack::StartWithBusybox(&error);
    ASSERT_NE(stack_, nullptr) << error;
  }
  void TearDown() override { stack_.reset(); }

  std::unique_ptr<Stack> stack_;
};

using BusyboxStackTest = BusyboxStackFixture<::testing::Test>;

// Parameterized by a string: which runtime, or which CLI.
using BusyboxStackParamTest = BusyboxStackFixture<::testing::TestWithParam<std::string>>;

// Parameterized by the CLI that drives the stack, "docker" or "berth"
// (INSTANTIATE_TEST_SUITE_P(Clis, X, ::testing::Values("docker", "berth"))).
class BusyboxStackCliTest : public BusyboxStackParamTest {
 protected:
  CommandResult Cli(const std::string& args, const CommandOptions& options = {}) {
    return GetParam() == "docker" ? stack_->Docker(args, options) : stack_->Berth(args, options);
  }
  // The CLI's binary, for commands run under a pty (`script`).
  std::string CliPath() const {
    return GetParam() == "docker" ? "/usr/local/bin/docker" : Stack::BuildDir() + "/cli/berth";
  }
};

}  // namespace berth::e2e
