#pragma once

// The fixtures most e2e tests start from: a private stack per test (skipped
// unless root), and the same with busybox:latest imported. A fixture that
// adds to SetUp calls the base first and returns when it skipped or failed:
//   BusyboxStackTest::SetUp();
//   if (IsSkipped() || HasFatalFailure()) return;

#include <memory>
#include <string>

#include <gtest/gtest.h>

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

class BusyboxStackTest : public ::testing::Test {
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

}  // namespace berth::e2e
