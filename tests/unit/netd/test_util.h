#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>

#include "gtest/gtest.h"

// Until common/testing grows status matchers: status-aware assertions.
#define NETD_ASSERT_OK(expr)                        \
  do {                                              \
    auto netd_status_ = (expr);                     \
    ASSERT_TRUE(netd_status_.ok()) << netd_status_; \
  } while (0)
#define NETD_EXPECT_OK(expr)                        \
  do {                                              \
    auto netd_status_ = (expr);                     \
    EXPECT_TRUE(netd_status_.ok()) << netd_status_; \
  } while (0)

namespace berth::netd::testing {

// A fresh directory under $TMPDIR (or /tmp), removed with its content.
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base ? base : "/tmp") + "/netd-unit-XXXXXX";
    path_ = ::mkdtemp(tmpl.data()) ? tmpl : "";
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace berth::netd::testing
